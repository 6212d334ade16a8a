#include "daiban/kernel/idempotency.hpp"

#include <gtest/gtest.h>

#include <map>

#include "daiban/kernel/digest.hpp"

namespace daiban::kernel {
namespace {

// The kept answers of one scope, by key, as the idempotency store keeps them.
struct Kept {
  std::map<std::string, IdempotentAnswer> answers;
  int reads = 0;
  KeptAnswerFinder Finder() {
    return [this](const IdempotentAnswer& key) -> std::optional<IdempotentAnswer> {
      ++reads;
      auto found = answers.find(key.scope + "\n" + key.key);
      if (found == answers.end()) return std::nullopt;
      return found->second;
    };
  }
  void Keep(const IdempotentAnswer& answer) { answers[answer.scope + "\n" + answer.key] = answer; }
};

TEST(KeyOfTest, HashesWhatWasAsked) {
  auto key = KeyOf(UserKeyScope(7), "k-1", "POST /x\n{}");
  EXPECT_EQ(key.scope, "user:7");
  EXPECT_EQ(key.key, "k-1");
  EXPECT_EQ(key.request_hash, Sha256Hex("POST /x\n{}"));
}

TEST(AnswerOnceTest, WritesOnceAndGivesTheFirstAnswerAgain) {
  Kept kept;
  auto key = KeyOf(UserKeyScope(7), "k-1", "one");
  int writes = 0;
  auto write = [&] {
    ++writes;
    IdempotentAnswer answer = key;
    answer.status = 201;
    answer.body = R"({"n":1})";
    kept.Keep(answer);
    return KeyedAnswer{201, answer.body, false};
  };
  auto first = AnswerOnce(key, kept.Finder(), write);
  EXPECT_EQ(first.status, 201);
  EXPECT_FALSE(first.replayed);
  auto again = AnswerOnce(key, kept.Finder(), write);
  EXPECT_EQ(writes, 1);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, R"({"n":1})");
  EXPECT_TRUE(again.replayed);
}

TEST(AnswerOnceTest, TheKeyWithAnotherRequestIsAConflict) {
  Kept kept;
  kept.Keep({"user:7", "k-1", Sha256Hex("one"), 200, "{}"});
  int writes = 0;
  try {
    AnswerOnce(KeyOf("user:7", "k-1", "two"), kept.Finder(), [&] {
      ++writes;
      return KeyedAnswer{};
    });
    FAIL() << "a reused key must be refused";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 409);
  }
  EXPECT_EQ(writes, 0);
}

// Two requests with one key at once: the one whose transaction lost gives the winner's answer.
TEST(AnswerOnceTest, ALostRaceGivesTheWinnersAnswer) {
  Kept kept;
  auto key = KeyOf("user:7", "k-1", "one");
  auto answer = AnswerOnce(key, kept.Finder(), [&]() -> KeyedAnswer {
    kept.Keep({key.scope, key.key, key.request_hash, 200, R"({"winner":true})"});
    throw IdempotencyKeyTaken();
  });
  EXPECT_EQ(answer.body, R"({"winner":true})");
  EXPECT_TRUE(answer.replayed);
  // Taken but nothing kept (not a race of this key): the error goes on.
  EXPECT_THROW(AnswerOnce(KeyOf("user:8", "k-1", "one"), kept.Finder(),
                          []() -> KeyedAnswer { throw IdempotencyKeyTaken(); }),
               IdempotencyKeyTaken);
}

// The twin committed between this request's look-up and its write: the write is refused (the
// case moved on) and the twin's answer is the answer. A refusal with nothing kept stands.
TEST(AnswerOnceTest, ARefusalCausedByATwinThatCommittedFirstGivesTheTwinsAnswer) {
  Kept kept;
  auto key = KeyOf("user:7", "k-2", "accept");
  auto answer = AnswerOnce(key, kept.Finder(), [&]() -> KeyedAnswer {
    kept.Keep({key.scope, key.key, key.request_hash, 200, R"({"state":"accepted"})"});
    throw Conflict("illegal_transition", "cannot accept a case that is accepted");
  });
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, R"({"state":"accepted"})");
  EXPECT_TRUE(answer.replayed);
  try {
    AnswerOnce(KeyOf("user:8", "k-2", "accept"), kept.Finder(), []() -> KeyedAnswer {
      throw Conflict("illegal_transition", "cannot accept a case that is accepted");
    });
    FAIL() << "a refusal with no answer kept under the key must stand";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Code(), "illegal_transition");
  }
}

}  // namespace
}  // namespace daiban::kernel
