#pragma once

#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace pqxx {
class dbtransaction;
}

namespace daiban::db {

// The transaction a use case runs in, handed opaquely through domain code (which knows no
// libpqxx) to the stores that must write in it, so one change stays one transaction.
// The same handle serves the in-memory fakes of unit tests: there it has no database, and each
// fake that writes in it leaves the undoing of its write, which the fake running the change
// calls when the change fails (PostgreSQL undoes its own by rolling back).
class Tx {
 public:
  explicit Tx(pqxx::dbtransaction& tx) : tx_(&tx) {}
  Tx() = default;  // in memory
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  pqxx::dbtransaction& Pq() const {
    if (tx_ == nullptr) throw std::logic_error("an in-memory transaction has no database");
    return *tx_;
  }

  void OnRollback(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Undoes what the in-memory stores wrote in this transaction, the last write first.
  void RollBack() {
    for (auto undo = undo_.rbegin(); undo != undo_.rend(); ++undo) (*undo)();
    undo_.clear();
  }

 private:
  pqxx::dbtransaction* tx_ = nullptr;
  std::vector<std::function<void()>> undo_;
};

}  // namespace daiban::db
