#include <gtest/gtest.h>

#include "daiban/kernel/http.hpp"

namespace daiban::kernel {
namespace {

HttpHandler Named(std::string name) {
  return [name](const HttpRequest&) { return HttpResponse::Text(200, name, "text/plain"); };
}

std::string Call(const Router::Match& match) { return match.route->handler(HttpRequest{}).body; }

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.Add("GET", "/api/v1/items", Named("list"));
  router.Add("GET", "/api/v1/items/:code", Named("one"));
  auto list = router.Find("GET", "/api/v1/items");
  ASSERT_EQ(list.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(list), "list");
  auto one = router.Find("GET", "/api/v1/items/C101");
  ASSERT_EQ(one.outcome, Router::Outcome::kFound);
  EXPECT_EQ(one.params.at("code"), "C101");
}

TEST(RouterTest, DecodesParameters) {
  Router router;
  router.Add("GET", "/x/:name", Named("x"));
  auto match = router.Find("GET", "/x/%E8%90%A5%E4%B8%9A");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(match.params.at("name"), "营业");
}

TEST(RouterTest, PrefersMoreLiteralSegments) {
  Router router;
  router.Add("GET", "/cases/:tracking", Named("param"));
  router.Add("GET", "/cases/export", Named("literal"));
  EXPECT_EQ(Call(router.Find("GET", "/cases/export")), "literal");
  EXPECT_EQ(Call(router.Find("GET", "/cases/DB123")), "param");
}

TEST(RouterTest, NotFoundAndMethodNotAllowed) {
  Router router;
  router.Add("GET", "/a", Named("a"));
  router.Add("POST", "/a", Named("a"));
  EXPECT_EQ(router.Find("GET", "/b").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a/b").outcome, Router::Outcome::kNotFound);
  auto wrong = router.Find("DELETE", "/a");
  EXPECT_EQ(wrong.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(wrong.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
}

TEST(RouterTest, WildcardTakesTheRest) {
  Router router;
  router.Add("GET", "/console/*", Named("static"));
  auto match = router.Find("GET", "/console/js/app.js");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(match.params.at("*"), "js/app.js");
  EXPECT_EQ(router.Find("GET", "/console").params.at("*"), "");
}

TEST(RouterTest, TrailingAndDoubleSlashesAreIgnored) {
  Router router;
  router.Add("GET", "/healthz", Named("h"));
  EXPECT_EQ(router.Find("GET", "/healthz/").outcome, Router::Outcome::kFound);
}

TEST(RouterTest, LargestBodyLimit) {
  Router router;
  router.Add("POST", "/small", Named("s"), RouteOptions{.max_body_bytes = 10});
  router.Add("POST", "/big", Named("b"), RouteOptions{.max_body_bytes = 5000});
  EXPECT_EQ(router.LargestBodyLimit(), 5000u);
}

TEST(RouterTest, RejectsWildcardInTheMiddle) {
  Router router;
  EXPECT_THROW(router.Add("GET", "/a/*/b", Named("x")), std::logic_error);
}

}  // namespace
}  // namespace daiban::kernel
