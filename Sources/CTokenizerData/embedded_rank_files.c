// #embed (C23, supported by the clang that ships with Swift) puts the 2.3 MB of rank data into the
// binary at compile time; a Swift array literal of that size would take minutes to type-check.
#include "CTokenizerData.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

const uint8_t pk_cl100k_base_bpe[] = {
#embed "data/cl100k_base.bpe"
};
const size_t pk_cl100k_base_bpe_size = sizeof(pk_cl100k_base_bpe);

const uint8_t pk_o200k_base_bpe[] = {
#embed "data/o200k_base.bpe"
};
const size_t pk_o200k_base_bpe_size = sizeof(pk_o200k_base_bpe);

// The model catalog (catalog/models.json), parsed by the ModelCatalog module.
const uint8_t pk_models_json[] = {
#embed "../../catalog/models.json"
};
const size_t pk_models_json_size = sizeof(pk_models_json);
