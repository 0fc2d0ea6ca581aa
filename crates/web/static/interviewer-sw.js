// The interviewer app's service worker: keeps the app's pages and script so that it opens and
// reloads without a network. Pages come from the network when there is one (network first).
var CACHE = "thuocdo-interviewer-v2";
var SHELL = ["/interviewer/", "/static/skip-logic.js", "/static/interviewer.js", "/static/app.css?v=1"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.pathname.indexOf("/api/") === 0) return;
  event.respondWith(
    fetch(event.request)
      .then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(event.request, copy); });
        }
        return response;
      })
      .catch(function () {
        return caches.match(event.request);
      })
  );
});
