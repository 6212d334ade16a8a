#include "daiban/tracking/server/tracking_server.hpp"

int main() { return daiban::runtime::RunService("tracking", 8103, daiban::tracking::WireTracking); }
