#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "daiban/kernel/config.hpp"

// `daibanctl simulate` and `daibanctl publish-simulation`: the simulator (sim/run.sh) played
// from the CLI, and a played day's report published to a running system over its API.
namespace daiban::cli {

// publish-simulation DIR [--title T] [--url URL] [--phone P] [--password PW]: reads
// DIR/summary.json and DIR/report.html, signs in as the administrator and POSTs them to
// URL/api/v1/simulations/reports with an Idempotency-Key made from their content (publishing
// the same run again answers the first publication). Prints the report's id.
int PublishSimulationCommand(const std::vector<std::string>& args, std::ostream& out,
                             const kernel::Env& env);

// simulate SCENARIO [what-if flags] [--speed N] [--max-wall-s S] [--out DIR] [--build]
// [--publish [--title T] [--url URL] [--phone P] [--password PW]]: runs sim/run.sh (found in
// DAIBAN_SIM_DIR, else beside the build this executable belongs to), then publishes its
// report when asked. SCENARIO is a file or the name of one in the simulator's scenarios/.
int SimulateCommand(const std::vector<std::string>& args, std::ostream& out,
                    const kernel::Env& env);

}  // namespace daiban::cli
