// The DNA model file: a torch archive holding the header as strings, then
// each parameter under its position, their qualified names in one string
// (archive keys must not contain dots).
#include "trellis/sdk/dna_model.hpp"

#include <filesystem>
#include <sstream>

#include <torch/serialize/archive.h>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

DnaModel::~DnaModel() = default;

namespace {

const char* const kMagic = "trellis DNA language model";

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key, const std::string& file) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString())
    throw Error("'" + file + "' is not a Trellis DNA language model file (no '" + key +
                "'); train one with `trellis dna train`");
  return value.toStringRef();
}

torch::serialize::InputArchive open(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error("the DNA model file '" + file + "' does not exist; train one with `trellis dna train CONFIG --out DIR` "
                "(it writes DIR/model.pt)");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file);
  } catch (const c10::Error& e) {
    throw Error("cannot read the DNA model file '" + file + "': " + e.what_without_backtrace());
  }
  return archive;
}

}  // namespace

void save_dna_model(const std::string& file, const DnaModelHeader& header, DnaModel& model) {
  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string(kMagic)));
  archive.write("format", c10::IValue(kDnaModelFormat));
  archive.write("component", c10::IValue(header.component));
  archive.write("options", c10::IValue(header.options.dump()));
  archive.write("architecture", c10::IValue(header.architecture));
  archive.write("training", c10::IValue(header.training.dump()));
  std::string names;
  std::int64_t i = 0;
  for (const auto& p : model.named_parameters()) {
    names += p.key() + "\n";
    archive.write("p" + std::to_string(i++), p.value().detach(), false);
  }
  archive.write("names", c10::IValue(names));
  const std::string tmp = file + ".tmp";
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    throw Error("cannot write the DNA model file '" + file + "': " + e.what_without_backtrace());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw Error("cannot write the DNA model file '" + file + "': " + ec.message());
}

DnaModelHeader read_dna_model_header(const std::string& file) {
  auto archive = open(file);
  if (read_string(archive, "magic", file) != kMagic)
    throw Error("'" + file + "' is not a Trellis DNA language model file; train one with `trellis dna train`");
  c10::IValue format;
  archive.read("format", format);
  if (!format.isInt() || format.toInt() != kDnaModelFormat)
    throw Error("the DNA model file '" + file + "' has format version " +
                (format.isInt() ? std::to_string(format.toInt()) : std::string("?")) + ", this Trellis reads version " +
                std::to_string(kDnaModelFormat) + "; train the model again with this version");
  DnaModelHeader header;
  header.component = read_string(archive, "component", file);
  header.architecture = read_string(archive, "architecture", file);
  try {
    header.options = nlohmann::json::parse(read_string(archive, "options", file));
    header.training = nlohmann::json::parse(read_string(archive, "training", file));
  } catch (const nlohmann::json::exception& e) {
    throw Error("the DNA model file '" + file + "' is damaged: " + e.what());
  }
  return header;
}

void load_dna_parameters(const std::string& file, DnaModel& model) {
  const DnaModelHeader header = read_dna_model_header(file);
  if (header.architecture != model.architecture())
    throw Error("the DNA model file '" + file + "' holds a model of another architecture ('" + header.architecture +
                "'; expected '" + model.architecture() + "'): build the model from the file's own options");
  auto archive = open(file);
  std::istringstream names(read_string(archive, "names", file));
  std::string name;
  std::int64_t i = 0;
  auto params = model.named_parameters();
  torch::NoGradGuard no_grad;
  while (std::getline(names, name)) {
    at::Tensor stored;
    archive.read("p" + std::to_string(i++), stored);
    at::Tensor* target = params.find(name);
    if (!target || target->sizes() != stored.sizes())
      throw Error("the DNA model file '" + file + "' does not match architecture '" + model.architecture() +
                  "': parameter '" + name + "' is " + (target ? "of another shape" : "unknown"));
    target->copy_(stored);
  }
  if (i != static_cast<std::int64_t>(params.size()))
    throw Error("the DNA model file '" + file + "' holds " + std::to_string(i) + " parameters, the architecture has " +
                std::to_string(params.size()));
}

}  // namespace trellis::sdk
