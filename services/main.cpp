#include "daiban/intake/intake_service.hpp"

int main() { return daiban::runtime::RunService("intake", 8101, daiban::intake::WireIntake); }
