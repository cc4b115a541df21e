// The team's own viewer-request function, as it ran on the distribution before cfjwt: directory
// URIs get `index.html`, and paths without an extension `/index.html`. It still runs alone (then
// `claims` is undefined); behind cfjwt, `claims` holds the verified token's claims, or null for a
// request let through without a token.
function handler(event, claims) {
  var request = event.request;
  var uri = request.uri;
  if (uri.slice(-1) === '/') {
    request.uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    request.uri = uri + '/index.html';
  }
  request.headers['x-viewer'] = { value: claims ? 'member' : 'guest' };
  return request;
}
