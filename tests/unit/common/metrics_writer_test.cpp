// The Prometheus text format as scrapers parse it.
#include <punchlink/common/metrics_writer.hpp>

#include <gtest/gtest.h>

#include <array>

namespace punchlink {
namespace {

TEST(MetricsWriter, CountersGaugesLabelsAndHistograms) {
  MetricsWriter out;
  out.counter("x_total", "Things done", 3);
  out.gauge("y", "A level", -2);
  out.family("z_total", "By code", "counter");
  out.labelled("z_total", "code", "200", "5");
  const std::array<std::int64_t, 2> bounds{5, 50};
  const std::array<std::uint64_t, 2> cumulative{1, 3};
  out.histogram("lat_ms", "Latency", bounds, cumulative, 4, 120.5);
  EXPECT_EQ(out.text(),
            "# HELP x_total Things done\n# TYPE x_total counter\nx_total 3\n"
            "# HELP y A level\n# TYPE y gauge\ny -2\n"
            "# HELP z_total By code\n# TYPE z_total counter\nz_total{code=\"200\"} 5\n"
            "# HELP lat_ms Latency\n# TYPE lat_ms histogram\n"
            "lat_ms_bucket{le=\"5\"} 1\nlat_ms_bucket{le=\"50\"} 3\nlat_ms_bucket{le=\"+Inf\"} 4\n"
            "lat_ms_sum 120.5\nlat_ms_count 4\n");
}

}  // namespace
}  // namespace punchlink
