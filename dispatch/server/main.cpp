#include "daiban/dispatch/server/dispatch_server.hpp"

int main() { return daiban::runtime::RunService("dispatch", 8102, daiban::dispatch::WireDispatch); }
