// `trellis graph score`: how well graphs (a run's learned or prior graphs,
// any edge list) recover a known network, beside a random graph. The
// scores are the graph_metric/* components, over unordered gene pairs.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "trellis/eval/graph_scoring.hpp"
#include "trellis/eval/structure_recovery.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::cli {

namespace {

namespace fs = std::filesystem;

// What the table shows of one graph.
struct RecoveryScore {
  std::int64_t edges = 0;       // distinct unordered pairs of the graph among the nodes
  std::int64_t true_edges = 0;  // distinct unordered pairs of the truth among the nodes
  double density = 0;           // true_edges / pairs of the truth's genes: a random ranking's precision
  double auprc = 0, auprc_ratio = 0, early_precision = 0, epr = 0;
};

struct Scored {
  std::string label;
  RecoveryScore score;
};

// Distinct unordered pairs of two different `nodes` among `edges`.
std::int64_t distinct_pairs(const eval::EdgeList& edges, const std::set<std::string>& nodes) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const std::string &a = edges.source[e], &b = edges.target[e];
    if (a == b || !nodes.count(a) || !nodes.count(b)) continue;
    pairs.insert(a < b ? std::make_pair(a, b) : std::make_pair(b, a));
  }
  return static_cast<std::int64_t>(pairs.size());
}

RecoveryScore score_graph(const eval::EdgeList& graph, const eval::EdgeList& truth, const std::set<std::string>& nodes,
                          const std::vector<eval::NamedGraphMetric>& metrics) {
  sdk::GraphMetricInput input;
  input.predicted = eval::scored_edges(graph);
  // The truth over the nodes: BEELINE's metrics range over the truth's genes.
  for (std::size_t e = 0; e < truth.size(); ++e)
    if (nodes.count(truth.source[e]) && nodes.count(truth.target[e]))
      input.truth.emplace_back(truth.source[e], truth.target[e]);
  input.genes.assign(nodes.begin(), nodes.end());
  const eval::Evaluation values = eval::score_network(input, metrics);
  RecoveryScore s;
  s.edges = distinct_pairs(graph, nodes);
  s.true_edges = distinct_pairs(truth, nodes);
  s.auprc = values.overall.at("auprc");
  s.auprc_ratio = values.overall.at("auprc_ratio");
  s.early_precision = values.overall.at("early_precision");
  s.epr = values.overall.at("epr");
  s.density = s.auprc / s.auprc_ratio;
  return s;
}

std::string format_row(const Scored& s) {
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %9lld %9.4f %9.2f %9.4f %9.2f", s.label.c_str(),
                static_cast<long long>(s.score.edges), s.score.auprc, s.score.auprc_ratio, s.score.early_precision,
                s.score.epr);
  return line;
}

std::string csv_of(const std::vector<Scored>& rows) {
  std::ostringstream out;
  out << "graph,edges,true_edges,density,auprc,auprc_ratio,early_precision,epr\n";
  out.precision(8);
  for (const auto& r : rows)
    out << util::csv_field(r.label) << ',' << r.score.edges << ',' << r.score.true_edges << ',' << r.score.density
        << ',' << r.score.auprc << ',' << r.score.auprc_ratio << ',' << r.score.early_precision << ','
        << r.score.epr << '\n';
  return out.str();
}

}  // namespace

void add_graph_command(CLI::App& app, GlobalOptions& global) {
  auto* graph = app.add_subcommand("graph", "Work with gene-gene graphs");
  graph->require_subcommand(1);
  auto* cmd = graph->add_subcommand(
      "score", "Score graphs against a known network: AUPRC and early precision, each also as a ratio to a random graph");
  struct Args {
    std::string truth;
    std::vector<std::string> graphs;
    std::uint64_t seed = 1;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--truth", args->truth, "The true network: TSV with a header, endpoints in the first two columns "
                                          "(e.g. a simulated screen's .network.tsv)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--graph", args->graphs,
                  "LABEL=FILE (repeatable): a graph TSV such as RUN_DIR/graphs/<name>.tsv or RUN_DIR/learned_graph.tsv "
                  "(a `weight` column ranks edges)")
      ->required();
  cmd->add_option("--seed", args->seed, "Seed of the random graph")->capture_default_str();
  cmd->add_option("--out", args->out, "Also write the scores to this CSV");
  cmd->callback([&global, args] {
    configure_logging(global);
    const auto host = load_plugins(global, nullptr);
    const auto metrics = eval::create_graph_metrics(
        *host, {"auprc", "auprc_ratio", "early_precision", "epr"}, {{"directed", false}});
    const eval::EdgeList truth = eval::read_edge_list(args->truth);
    std::vector<std::pair<std::string, eval::EdgeList>> graphs;
    for (const auto& spec : args->graphs) {
      const auto eq = spec.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        throw sdk::Error("--graph '" + spec + "': expected LABEL=FILE, e.g. --graph learned=runs/x/learned_graph.tsv");
      graphs.emplace_back(spec.substr(0, eq), eval::read_edge_list(spec.substr(eq + 1)));
    }
    // Score over the genes the graphs know: a truth edge to a gene no graph
    // has could not have been recovered by any of them.
    std::set<std::string> node_set;
    for (const auto& [label, g] : graphs) {
      node_set.insert(g.source.begin(), g.source.end());
      node_set.insert(g.target.begin(), g.target.end());
    }
    const std::vector<std::string> nodes(node_set.begin(), node_set.end());
    std::vector<Scored> rows;
    for (const auto& [label, g] : graphs) rows.push_back({label, score_graph(g, truth, node_set, metrics)});
    const std::int64_t random_edges = rows.front().score.edges;
    rows.push_back(
        {"random", score_graph(eval::random_graph(nodes, random_edges, args->seed), truth, node_set, metrics)});

    const auto& first = rows.front().score;
    std::cout << "Structure recovery over " << nodes.size() << " genes: " << first.true_edges
              << " true edges (undirected), density " << first.density << "\n"
              << "graph                        edges     AUPRC     ratio  early_P      EPR\n";
    for (const auto& r : rows) std::cout << format_row(r) << "\n";
    std::cout << "ratio and EPR: the value divided by a random graph's expectation (1 = no better than chance); "
                 "'random' has as many edges as the first graph.\n";
    if (!args->out.empty()) util::write_file_atomic(args->out, csv_of(rows));
  });
}

}  // namespace trellis::core::cli
