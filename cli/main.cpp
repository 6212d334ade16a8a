#include <iostream>

#include "daiban/cli/daibanctl.hpp"

int main(int argc, char** argv) {
  return daiban::cli::RunDaibanctl(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                   std::cerr, daiban::kernel::Env());
}
