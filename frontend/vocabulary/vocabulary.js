// The organisation's lists of values (categories, recommended for, mediums): fetched once per page
// load and shared by every form, and matched as the server matches them.

import { graphql } from '../common/graphql.js';

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

function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The list's value closest to what was typed, for "did you mean …?", or null when none is close (like the
 * server's suggestion: compared by matchKey, at least 60% alike). 'Comunication' → 'Communication'.
 */
export function closestValue(typed, values) {
  const key = matchKey(typed);
  let best = null;
  let bestScore = 0.6;
  for (const value of values) {
    const other = matchKey(value);
    const score = 1 - editDistance(key, other) / Math.max(key.length, other.length, 1);
    if (score >= bestScore) [best, bestScore] = [value, score];
  }
  return best;
}
