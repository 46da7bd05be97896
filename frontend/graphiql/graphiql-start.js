// Starts GraphiQL on /graphql (DEBUG=true). React, ReactDOM and GraphiQL are the packages' own browser
// builds, served by the app (backend/graphiql.py). Requests carry the sign-in cookie and the
// X-Requested-With header the app asks of cookie-signed POSTs; a bearer token can be set under Headers.
/* global React, ReactDOM, GraphiQL */

const fetcher = GraphiQL.createFetcher({ url: '/graphql', headers: { 'X-Requested-With': 'graphiql' } });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
);
