#include "daiban/intake/intake_server.hpp"

int main() { return daiban::runtime::RunService("intake", 8101, daiban::intake::WireIntake); }
