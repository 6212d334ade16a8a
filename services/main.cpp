#include "daiban/intake/intake_service.hpp"

int main() { return daiban::host::RunService("intake", 8101, daiban::intake::WireIntake); }
