#include "trellis/dna/masking.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/dna_sequence.hpp"

namespace trellis::core::dna {

MaskedTokens mask_tokens(const at::Tensor& tokens, const MaskSettings& s, c10::optional<at::Generator> generator) {
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor known = tokens.ne(sdk::kBaseN);
  const at::Tensor chosen = at::rand(tokens.sizes(), generator, options).lt(s.fraction).logical_and(known);
  const at::Tensor how = at::rand(tokens.sizes(), generator, options);
  const at::Tensor as_mask = chosen.logical_and(how.lt(s.replace_mask));
  const at::Tensor as_random = chosen.logical_and(how.ge(s.replace_mask)).logical_and(how.lt(s.replace_mask + s.replace_random));
  const at::Tensor random = at::randint(4, tokens.sizes(), generator, at::TensorOptions().dtype(at::kLong));
  at::Tensor input = at::where(as_random, random, tokens);
  input = at::where(as_mask, at::full_like(tokens, sdk::kBaseN), input);
  return {input, chosen};
}

}  // namespace trellis::core::dna
