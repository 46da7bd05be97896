// The organisation's lists of values (categories, recommended for, mediums): fetched once per page
// load and shared by every form, and matched as the server matches them.

import { graphql } from '../shared/graphql.js';

export const VOCABULARY_QUERY = '{ vocabulary { categories recommendedFor mediums } }';

let cached = null;

/** The lists, { categories, recommendedFor, mediums }; fetched once, until `forgetVocabulary()`. */
export function loadVocabulary() {
  if (!cached) {
    cached = graphql(VOCABULARY_QUERY).then((data) => data.vocabulary);
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

/** After the lists change (Vocabulary page), the next form fetches them again. */
export function forgetVocabulary() {
  cached = null;
}

/** A value without case, spaces and punctuation, as the server matches values to the lists. */
export function matchKey(text) {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}
