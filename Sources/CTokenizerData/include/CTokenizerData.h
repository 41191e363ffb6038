#ifndef PROMPTKIT_CTOKENIZERDATA_H
#define PROMPTKIT_CTOKENIZERDATA_H

#include <stddef.h>
#include <stdint.h>

// The BPE rank files, compiled into the binary so a copied `promptkit` works with no data files
// beside it. Format and provenance: data/PROVENANCE.md.
extern const uint8_t pk_cl100k_base_bpe[];
extern const size_t pk_cl100k_base_bpe_size;
extern const uint8_t pk_o200k_base_bpe[];
extern const size_t pk_o200k_base_bpe_size;

// The model catalog, catalog/models.json.
extern const uint8_t pk_models_json[];
extern const size_t pk_models_json_size;

// Unicode 16.0 character classes for the pre-tokenizers: class = blocks[index[cp >> 7] * 128 + (cp & 127)].
extern const uint16_t pk_unicode_class_index[8704];
extern const uint8_t pk_unicode_class_blocks[];


// Swift imports fixed-size C arrays as tuples; these accessors keep the tables behind pointers.
static inline uint8_t pk_unicode_class(uint32_t scalar) {
    if (scalar >= 0x110000) return 0;
    return pk_unicode_class_blocks[(size_t)pk_unicode_class_index[scalar >> 7] * 128 + (scalar & 127)];
}

/// Block 0 of the table is the first one generated, so ASCII classes sit at its start.
static inline const uint8_t *pk_ascii_classes(void) { return pk_unicode_class_blocks; }

static inline const uint8_t *pk_rank_file(int which, size_t *size) {
    if (which == 0) { *size = pk_cl100k_base_bpe_size; return pk_cl100k_base_bpe; }
    *size = pk_o200k_base_bpe_size;
    return pk_o200k_base_bpe;
}

static inline const uint8_t *pk_models_json_data(size_t *size) {
    *size = pk_models_json_size;
    return pk_models_json;
}

#endif
