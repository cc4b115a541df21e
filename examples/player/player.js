// The player of examples/player: plays, with hls.js, the HLS manifest that the page's ?src= names
// (e.g. /courses/c1/master.m3u8?jwt=TOKEN), and keeps a record of what hls.js and the video did in
// window.player, shown on the page and read by the browser test (tests/it/browser.rs). With
// ?credentials=1, hls.js sends its requests with credentials (cookies), for a stream on another
// origin whose answers allow it (CORS with credentials).
'use strict';

(function () {
  var video = document.getElementById('video');
  var status = document.getElementById('status');
  var log = document.getElementById('log');
  var started = performance.now();

  // events: {name, at (ms since the page ran this), ...details}; outcome: 'ended' or 'error' once
  // the player has nothing more to do.
  var player = (window.player = { events: [], outcome: null });

  function record(name, details) {
    var event = { name: name, at: Math.round(performance.now() - started) };
    for (var key in details || {}) event[key] = details[key];
    player.events.push(event);
    log.textContent += JSON.stringify(event) + '\n';
  }

  function finish(outcome, text) {
    if (player.outcome) return;
    player.outcome = outcome;
    status.textContent = text;
    record('outcome', { outcome: outcome });
  }

  // The path of a URL, without its query string: the log shows no token.
  function path(url) {
    return new URL(url, location.href).pathname;
  }

  var params = new URLSearchParams(location.search);
  var src = params.get('src');
  var credentials = params.get('credentials') === '1';
  if (!src) {
    finish('error', 'no ?src= given: open this page as index.html?src=/courses/c1/master.m3u8%3Fjwt%3DTOKEN');
    return;
  }
  if (!window.Hls || !Hls.isSupported()) {
    finish('error', 'hls.js cannot play in this browser (no Media Source Extensions)');
    return;
  }

  var hls = new Hls(
    credentials
      ? {
          xhrSetup: function (xhr) {
            xhr.withCredentials = true;
          },
        }
      : {}
  );
  record('config', { credentials: credentials });
  hls.on(Hls.Events.MANIFEST_PARSED, function (_, data) {
    record('manifest-parsed', { levels: data.levels.length });
    video.play().catch(function (e) {
      record('play-refused', { message: String(e) });
    });
  });
  hls.on(Hls.Events.LEVEL_LOADED, function (_, data) {
    record('level-loaded', { url: path(data.details.url), fragments: data.details.fragments.length });
  });
  hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
    record('frag-loaded', { url: path(data.frag.url), sn: data.frag.sn, bytes: data.frag.stats.loaded });
  });
  hls.on(Hls.Events.FRAG_BUFFERED, function (_, data) {
    record('frag-buffered', { sn: data.frag.sn });
  });
  hls.on(Hls.Events.ERROR, function (_, data) {
    record('error', {
      type: data.type,
      details: data.details,
      fatal: data.fatal,
      status: data.response ? data.response.code : null,
      url: data.url ? path(data.url) : null,
    });
    if (data.fatal) {
      hls.destroy();
      finish('error', 'cannot play: ' + data.details + (data.response ? ' (' + data.response.code + ')' : ''));
    }
  });

  video.addEventListener('playing', function () {
    status.textContent = 'playing';
    record('playing', { time: video.currentTime });
  });
  video.addEventListener('ended', function () {
    record('ended', { time: video.currentTime });
    finish('ended', 'played to the end');
  });
  video.addEventListener('error', function () {
    record('video-error', { code: video.error && video.error.code, message: video.error && video.error.message });
    finish('error', 'the video element cannot decode the stream');
  });

  hls.loadSource(src);
  hls.attachMedia(video);
})();
