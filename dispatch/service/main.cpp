#include "daiban/dispatch_service/dispatch_service.hpp"

int main() { return daiban::runtime::RunService("dispatch", 8102, daiban::dispatch::WireDispatch); }
