#include "daiban/tracking_service/tracking_service.hpp"

int main() { return daiban::runtime::RunService("tracking", 8103, daiban::tracking::WireTracking); }
