#include "trellis/data/conditions.hpp"

#include <algorithm>

#include "trellis/sdk/error.hpp"

namespace trellis::core::data {

ParsedCondition parse_condition(const std::string& label, const ConditionFormat& format) {
  if (label.empty()) throw sdk::Error("empty condition label");
  ParsedCondition parsed;
  if (label == format.control) return parsed;
  std::size_t start = 0;
  while (start <= label.size()) {
    std::size_t end = label.find(format.delimiter, start);
    if (end == std::string::npos) end = label.size();
    const std::string token = label.substr(start, end - start);
    if (token.empty())
      throw sdk::Error("condition '" + label + "' has an empty gene name (delimiter '" + format.delimiter + "')");
    if (token != format.control && token != "ctrl") parsed.genes.push_back(token);
    start = end + format.delimiter.size();
    if (end == label.size()) break;
  }
  std::sort(parsed.genes.begin(), parsed.genes.end());
  parsed.genes.erase(std::unique(parsed.genes.begin(), parsed.genes.end()), parsed.genes.end());
  return parsed;
}

std::string condition_key(const std::vector<std::string>& genes) {
  std::vector<std::string> sorted = genes;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (std::size_t i = 0; i < sorted.size(); ++i) key += (i ? "+" : "") + sorted[i];
  return key;
}

}  // namespace trellis::core::data
