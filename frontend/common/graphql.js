// The one GraphQL client of the browser app: POST /graphql with the sign-in cookie and the CSRF header.

export const SIGNED_OUT_EVENT = 'sessiondesk:signed-out';

/** A request that came back with errors; `message` joins what the server said, `codes` lists their codes. */
export class GraphQLRequestError extends Error {
  constructor(messages, codes = []) {
    super(messages.join(' '));
    this.name = 'GraphQLRequestError';
    this.messages = messages;
    this.codes = codes;
  }
}

/**
 * Run a query or mutation and return its `data`; throws GraphQLRequestError when the server reports
 * errors or cannot be reached. Pass `signal` to abort a request the screen no longer needs.
 */
export function graphql(query, variables = {}, { signal } = {}) {
  return send({
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
}

/**
 * Run a mutation that carries files, as a GraphQL multipart request (the `operations`, `map` and file
 * parts of the multipart request spec). `files` maps top-level variable names to File objects, e.g.
 * graphqlUpload(SET_IMAGE, { sessionId }, { image: file }); those variables go as null in `operations`.
 */
export function graphqlUpload(query, variables, files, { signal, onProgress } = {}) {
  const names = Object.keys(files);
  const operations = { query, variables: { ...variables } };
  const map = {};
  names.forEach((name, i) => {
    operations.variables[name] = null;
    map[String(i)] = [`variables.${name}`];
  });
  const body = new FormData();
  body.append('operations', JSON.stringify(operations));
  body.append('map', JSON.stringify(map));
  names.forEach((name, i) => body.append(String(i), files[name], files[name].name || name));
  // No Content-Type: the browser writes the multipart boundary itself.
  if (onProgress) return sendWithProgress(body, onProgress);
  return send({ headers: {}, body, signal });
}

/** As `send`, through XMLHttpRequest, which tells how much of the body has gone up: onProgress(loaded, total). */
function sendWithProgress(payload, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/graphql');
    request.withCredentials = true;
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('X-Requested-With', 'fetch');
    request.upload.addEventListener('progress', (event) =>
      onProgress(event.loaded, event.lengthComputable ? event.total : 0),
    );
    request.addEventListener('error', () =>
      reject(new GraphQLRequestError(['SessionDesk could not be reached. Check your connection and try again.'])),
    );
    request.addEventListener('load', () => {
      // The same checks as `send`, on a Response made of what came back.
      const response = new Response(request.responseText, { status: request.status });
      resolve(readResponse(response));
    });
    request.send(payload);
  });
}

async function send({ headers, body: payload, signal }) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { ...headers, Accept: 'application/json', 'X-Requested-With': 'fetch' },
      body: payload,
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new GraphQLRequestError(['SessionDesk could not be reached. Check your connection and try again.']);
  }
  return readResponse(response);
}

async function readResponse(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError([
      `The server answered with an unexpected response (HTTP ${response.status}). Try again in a moment.`,
    ]);
  }

  if (body.errors && body.errors.length) {
    const codes = body.errors.map((e) => (e.extensions && e.extensions.code) || null);
    if (codes.includes('UNAUTHENTICATED')) window.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT));
    throw new GraphQLRequestError(
      body.errors.map((e) => e.message),
      codes,
    );
  }
  if (!response.ok || !body.data) {
    throw new GraphQLRequestError([`The server could not answer (HTTP ${response.status}). Try again in a moment.`]);
  }
  return body.data;
}
