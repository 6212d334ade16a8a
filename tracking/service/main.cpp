#include "daiban/tracking_service/tracking_service.hpp"

int main() { return daiban::host::RunService("tracking", 8103, daiban::tracking::WireTracking); }
