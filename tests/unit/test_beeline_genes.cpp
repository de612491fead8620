// BEELINE's gene selection ([data.beeline_genes]) on a hand-worked ordering.
#include "catch.hpp"

#include "support.hpp"
#include "trellis/data/beeline_genes.hpp"

using trellis::core::data::BeelineGeneSelection;
using trellis::core::data::select_beeline_genes;
using trellis::test::TempDir;
using Catch::Contains;

TEST_CASE("BEELINE gene selection: significant TFs plus the most variable significant others", "[data][beeline]") {
  TempDir dir;
  // Expressed: A..G (G unordered). X is ordered but not expressed: it does
  // not count toward the Bonferroni divisor (6 ordered, expressed genes).
  BeelineGeneSelection s;
  s.ordering = dir.write("GeneOrdering.csv", ",VGAMpValue,Variance\nA,0.0001,5\nB,0.001,9\nC,0.0005,1\nD,0.5,100\n"
                                             "E,0.00001,3\nF,0.002,7\nX,0,1000\n")
                   .string();
  s.tfs = dir.write("tfs.csv", ",TF,index\n0,E,0\n1,F,1\n").string();
  s.top = 2;
  const std::vector<std::string> expressed = {"G", "F", "E", "D", "C", "B", "A"};
  // Threshold 0.01 / 6: A, B, C, E significant (F at 0.002 is not). TF E is
  // kept; of A (var 5), B (9), C (1) the top 2 by variance: B, A.
  CHECK(select_beeline_genes(s, expressed) == std::vector<std::string>{"E", "B", "A"});
  // Without Bonferroni (0.01): F is significant too and, a TF, kept beyond `top`.
  s.bonferroni = false;
  CHECK(select_beeline_genes(s, expressed) == std::vector<std::string>{"F", "E", "B", "A"});
  // Without a TF list, TFs compete by variance: F (7), B (9) are the top 2.
  s.tfs.clear();
  CHECK(select_beeline_genes(s, expressed) == std::vector<std::string>{"F", "B"});
}

TEST_CASE("BEELINE gene selection: bad ordering files name the file and line", "[data][beeline]") {
  TempDir dir;
  BeelineGeneSelection s;
  s.ordering = dir.write("bad.csv", "gene,p,var\nA,0.1,2\nB,abc,3\n").string();
  CHECK_THROWS_WITH(select_beeline_genes(s, {"A", "B"}), Contains("bad.csv:3: p-value 'abc' is not a number"));
  s.ordering = dir.write("other.csv", "gene,p,var\nQ,0.1,2\n").string();
  CHECK_THROWS_WITH(select_beeline_genes(s, {"A", "B"}), Contains("other.csv: none of its genes is expressed"));
}
