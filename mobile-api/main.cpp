#include "daiban/mobile/mobile_gateway.hpp"

int main() { return daiban::runtime::RunService("mobile", 8104, daiban::mobile::WireMobile); }
