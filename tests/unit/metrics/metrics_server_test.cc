#include "service/metrics/metrics_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "service/metrics/registry.h"

namespace moderation::metrics {
namespace {

// The one unit test that uses a socket: the endpoint is scraped over loopback
// on a port the kernel picks.
TEST(MetricsServerTest, ServesMetricsAndHealthOverLoopback) {
  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounter("hits_total", "Hits.", {"path"});
  ASSERT_TRUE(family.ok());
  Counter& hits = (*family)->WithLabels({"/"});
  hits.Increment(2);

  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);

  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics->body,
            "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total{path=\"/\"} 2\n");

  // Every scrape sees the current values.
  hits.Increment();
  metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("hits_total{path=\"/\"} 3\n"), std::string::npos);

  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");

  httplib::Result missing = client.Get("/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  const int port = (*server)->port();
  (*server)->Stop();
  (*server)->Stop();  // a second Stop does nothing
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(1);
  EXPECT_FALSE(after.Get("/healthz"));
}

TEST(MetricsServerTest, StopRightAfterStartReturns) {
  MetricsRegistry registry;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Start("127.0.0.1:0", registry);
    ASSERT_TRUE(server.ok()) << server.status();
    (*server)->Stop();
  }
}

TEST(MetricsServerTest, APortInUseIsAnError) {
  MetricsRegistry registry;
  absl::StatusOr<std::unique_ptr<MetricsServer>> first =
      MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<MetricsServer>> second =
      MetricsServer::Start("127.0.0.1:" + std::to_string((*first)->port()), registry);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(MetricsServerTest, MalformedAddressesAreRefused) {
  MetricsRegistry registry;
  for (const char* listen : {"", "9464", "127.0.0.1", "127.0.0.1:", ":9464", "host:70000",
                             "host:-1", "host:12x", "::1:9464", "[::1:9464"}) {
    EXPECT_EQ(MetricsServer::Start(listen, registry).status().code(),
              absl::StatusCode::kInvalidArgument)
        << listen;
  }
}

TEST(MetricsServerTest, SplitsHostAndPort) {
  absl::StatusOr<std::pair<std::string, int>> v4 = SplitHostPort("0.0.0.0:9464");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(*v4, (std::pair<std::string, int>{"0.0.0.0", 9464}));
  absl::StatusOr<std::pair<std::string, int>> v6 = SplitHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(*v6, (std::pair<std::string, int>{"::1", 0}));
}

}  // namespace
}  // namespace moderation::metrics
