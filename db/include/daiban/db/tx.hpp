#pragma once

namespace pqxx {
class dbtransaction;
}

namespace daiban::db {

// The transaction a use case runs in, handed opaquely through domain code (which knows no
// libpqxx) to the repositories that must write in it, so one change stays one transaction.
class Tx {
 public:
  explicit Tx(pqxx::dbtransaction& tx) : tx_(tx) {}
  pqxx::dbtransaction& Pq() const { return tx_; }

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace daiban::db
