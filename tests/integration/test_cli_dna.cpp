// `trellis dna train` and `trellis dna score` end to end: a toy corpus with a
// planted motif (the model must learn it: held-out perplexity below the
// 3-mer baseline's, and mutating the motif scores lower than mutating the
// background), the real MPRA table scored and its evaluation recomputed by
// scipy and sklearn from the written scores, and the failure paths.
#include "catch.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using trellis::test::read_text;
using trellis::test::run_trellis;
using trellis::test::TempDir;

namespace {

const std::string kMotif = "TGACTCAGGT";

std::string random_bases(std::mt19937_64& rng, std::size_t n) {
  static const char bases[] = "ACGT";
  std::uniform_int_distribution<int> pick(0, 3);
  std::string s(n, 'A');
  for (auto& c : s) c = bases[pick(rng)];
  return s;
}

// Random 80 bp sequences with the motif at a random place.
std::string planted(std::mt19937_64& rng, std::size_t at) {
  std::string s = random_bases(rng, 80);
  s.replace(at, kMotif.size(), kMotif);
  return s;
}

std::string toy_config(const fs::path& corpus) {
  return "seed = 3\n[corpus]\nfiles = [\"" + corpus.string() +
         "\"]\nwindow = 80\nstride = 80\nvalidation_fraction = 0.1\n"
         "[model]\ntype = \"dnalm/gpn_conv\"\nlayers = 4\ndim = 32\n"
         "[train]\nepochs = 6\nbatch_size = 64\nlearning_rate = 0.003\nwarmup_steps = 30\n";
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("dna train and score: a planted motif is learnt and its mutations score lowest", "[dna][cli]") {
  TempDir dir;
  std::mt19937_64 rng(11);
  std::ostringstream corpus;
  corpus << "id\tsequence\n";
  std::uniform_int_distribution<std::size_t> where(0, 80 - kMotif.size());
  for (int i = 0; i < 3000; ++i) corpus << "S" << i << "_1\t" << planted(rng, where(rng)) << "\n";
  const auto corpus_file = dir.write("corpus.tsv", corpus.str());
  const auto config = dir.write("toy.toml", toy_config(corpus_file));
  const fs::path model_dir = dir.path() / "model";
  const auto trained = run_trellis("--threads 1 dna train " + config.string() + " --out " + model_dir.string());
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  const auto training = nlohmann::json::parse(read_text(model_dir / "training.json"));
  CHECK(training["validation_perplexity"].get<double>() < training["context3_perplexity"].get<double>() - 0.1);
  CHECK(training["context3_perplexity"].get<double>() > 3.8);  // random background: near 4
  CHECK(training["history"].size() == 6);
  CHECK(fs::exists(model_dir / "config.toml"));
  CHECK_THAT(trained.output, Contains("training tokens/s"));

  // Fresh sequences, motif at 30..39: one substitution inside it, one in the
  // background 20 bases away.
  std::string table = "chrom\tpos\tref\talt\twindow_start\twindow\n";
  const int pairs = 40;
  for (int i = 0; i < pairs; ++i) {
    const std::string s = planted(rng, 30);
    for (const std::size_t offset : {std::size_t{34}, std::size_t{58}}) {
      const char ref = s[offset];
      const char alt = ref == 'A' ? 'C' : 'A';
      table += "toy" + std::to_string(i) + "\t" + std::to_string(1001 + offset) + "\t" + std::string(1, ref) + "\t" +
               std::string(1, alt) + "\t1001\t" + s + "\n";
    }
  }
  const auto variants = dir.write("variants.tsv", table);
  const fs::path scored = dir.path() / "scored";
  const auto run = run_trellis("--threads 1 dna score --model " + (model_dir / "model.pt").string() +
                               " --variants " + variants.string() + " --flank 40 --out " + scored.string());
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  std::istringstream rows(read_text(scored / "scores.tsv"));
  std::string line;
  std::getline(rows, line);
  CHECK(line == "chrom\tpos\tref\talt\telement\tcoefficient\tp_value\tdnalm\tcontext3");
  std::vector<double> motif, background;
  int motif_lower = 0;
  while (std::getline(rows, line)) {
    std::istringstream f(line);
    std::string chrom, pos, ref, alt, element, coefficient, p, score;
    std::getline(f, chrom, '\t');
    std::getline(f, pos, '\t');
    std::getline(f, ref, '\t');
    std::getline(f, alt, '\t');
    std::getline(f, element, '\t');
    std::getline(f, coefficient, '\t');
    std::getline(f, p, '\t');
    std::getline(f, score, '\t');
    (std::stoi(pos) == 1035 ? motif : background).push_back(std::stod(score));
  }
  REQUIRE(motif.size() == static_cast<std::size_t>(pairs));
  REQUIRE(background.size() == static_cast<std::size_t>(pairs));
  for (int i = 0; i < pairs; ++i) motif_lower += motif[i] < background[i] ? 1 : 0;
  CHECK(mean(motif) < mean(background) - 1.0);
  CHECK(motif_lower >= 36);

  // Gene embeddings for encoder/precomputed: one row per gene (S0 ... S2999).
  const auto embedded = run_trellis("--threads 1 dna embed --model " + (model_dir / "model.pt").string() +
                                    " --sequences " + corpus_file.string() + " --out " +
                                    (dir.path() / "genes.tsv").string());
  INFO(embedded.output);
  REQUIRE(embedded.exit_code == 0);
  const std::string genes = read_text(dir.path() / "genes.tsv");
  CHECK(genes.rfind("gene\tdnalm_0\t", 0) == 0);
  CHECK(std::count(genes.begin(), genes.end(), '\n') == 3001);
  CHECK_THAT(embedded.output, Contains("Embedded 3000 genes"));

  // Bad input through the command line: nothing is left behind.
  const fs::path failed = dir.path() / "failed";
  const auto both = run_trellis("dna score --model " + (model_dir / "model.pt").string() + " --variants " +
                                variants.string() + " --mpra " + variants.string() + " --out " + failed.string());
  CHECK(both.exit_code != 0);
  CHECK_THAT(both.output, Contains("give exactly one of --variants"));
  const auto edge = run_trellis("dna score --model " + (model_dir / "model.pt").string() + " --variants " +
                                variants.string() + " --min-flank 30 --out " + failed.string());
  CHECK(edge.exit_code != 0);
  CHECK_THAT(edge.output, Contains("toy0:1059:") && Contains("too close to the window edge"));
  CHECK_FALSE(fs::exists(failed));
  const auto empty = run_trellis("dna train " + config.string() + " --set corpus.min_length=500 --out " +
                                 failed.string());
  CHECK(empty.exit_code != 0);
  CHECK_THAT(empty.output, Contains("the corpus is empty after filtering") && Contains("min_length = 500"));
  CHECK_FALSE(fs::exists(failed));

  TRELLIS_REQUIRE_DATA(data);
  // The real MPRA table, scored by the toy model: the evaluation must match
  // scipy's spearmanr and sklearn's roc_auc_score on the written scores.
  const fs::path mpra = dir.path() / "mpra";
  const auto m = run_trellis("--threads 1 dna score --model " + (model_dir / "model.pt").string() + " --mpra " +
                             (data / "variants" / "kircher2019_mpra_grch38.tsv.gz").string() + " --flank 40 --out " +
                             mpra.string());
  INFO(m.output);
  REQUIRE(m.exit_code == 0);
  CHECK_THAT(m.output, Contains("Scored 23136 variants (2755 deletions)"));
  if (std::system("/usr/bin/python3 -c 'import sklearn, scipy' >/dev/null 2>&1") != 0) {
    WARN("scipy or sklearn is not available to /usr/bin/python3: skipping the recomputed evaluation");
    return;
  }
  const auto script = dir.write("check.py", R"(
import csv, sys
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
ours = {(r['element'], r['variants'], r['method']): r for r in csv.DictReader(open(sys.argv[2]), delimiter='\t')}
worst = 0.0
for method in ('dnalm', 'context3', 'position'):
    for element in ['all'] + sorted({r['element'] for r in rows}):
        subset = [r for r in rows if element == 'all' or r['element'] == element]
        rho = spearmanr([float(r[method]) for r in subset], [float(r['coefficient']) for r in subset]).correlation
        labelled = [(float(r[method]), 1 if float(r['p_value']) < 1e-5 else 0) for r in subset
                    if float(r['p_value']) >= 1e-5 or float(r['coefficient']) < 0]
        auc = roc_auc_score([l for _, l in labelled], [-s for s, _ in labelled])
        mine = ours[(element, 'all', method)]
        worst = max(worst, abs(rho - float(mine['spearman'])), abs(auc - float(mine['auroc'])))
print(worst)
)");
  const fs::path out = dir.path() / "check.txt";
  REQUIRE(std::system(("/usr/bin/python3 " + script.string() + " " + (mpra / "scores.tsv").string() + " " +
                       (mpra / "mpra_evaluation.tsv").string() + " > " + out.string())
                          .c_str()) == 0);
  // scores.tsv keeps 6 significant digits, so ties may differ slightly.
  CHECK(std::stod(read_text(out)) < 2e-3);
}

TEST_CASE("dna train resumes exactly where an interrupted training stopped", "[dna][cli]") {
  TempDir dir;
  std::mt19937_64 rng(5);
  std::ostringstream corpus;
  corpus << "id\tsequence\n";
  for (int i = 0; i < 600; ++i) corpus << "R" << i << "_1\t" << planted(rng, 20) << "\n";
  const auto corpus_file = dir.write("corpus.tsv", corpus.str());
  // A constant rate, so one epoch then a resume follows the same schedule as two.
  const auto config = dir.write("toy.toml", toy_config(corpus_file) + "schedule = \"none\"\n");
  const std::string common = "--threads 1 dna train " + config.string() + " --set train.warmup_steps=0 ";
  REQUIRE(run_trellis(common + "--set train.epochs=2 --out " + (dir.path() / "whole").string()).exit_code == 0);
  REQUIRE(run_trellis(common + "--set train.epochs=1 --out " + (dir.path() / "parts").string()).exit_code == 0);
  const auto resumed = run_trellis(common + "--set train.epochs=2 --resume --out " + (dir.path() / "parts").string());
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resuming after epoch 1 of 2"));
  const auto whole = nlohmann::json::parse(read_text(dir.path() / "whole" / "training.json"));
  const auto parts = nlohmann::json::parse(read_text(dir.path() / "parts" / "training.json"));
  CHECK(whole["validation_perplexity"].get<double>() == parts["validation_perplexity"].get<double>());
  CHECK(whole["train_loss"] == parts["train_loss"]);
  const auto fresh = run_trellis("dna train " + config.string() + " --resume --out " + (dir.path() / "none").string());
  CHECK(fresh.exit_code != 0);
  CHECK_THAT(fresh.output, Contains("there is no training to resume"));
}
