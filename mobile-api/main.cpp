#include "daiban/mobile/mobile_gateway.hpp"

int main() { return daiban::host::RunService("mobile", 8104, daiban::mobile::WireMobile); }
