// The Thước Đo widget for agency portals:
//   <script src="https://HOST/static/embed.js" data-survey="CODE" data-unit="UNIT" async></script>
// puts the survey's form in a frame where the tag stands and fits the frame to the form. The
// form inside needs no cookie, so browsers that block third-party cookies take answers too.
(function () {
  var script = document.currentScript;
  if (!script || !script.dataset.survey) return;
  var origin = new URL(script.src).origin;
  var src = origin + "/w/" + encodeURIComponent(script.dataset.survey);
  if (script.dataset.unit) src += "?u=" + encodeURIComponent(script.dataset.unit);
  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = script.dataset.title || "Phiếu khảo sát sự hài lòng";
  frame.loading = "lazy";
  frame.style.cssText = "width:100%;min-height:480px;border:0";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin === origin && event.source === frame.contentWindow && event.data && event.data.thuocdoHeight) {
      frame.style.height = event.data.thuocdoHeight + "px";
      // A new page in the frame (errors, thanks) starts at its top: show it.
      if (event.data.thuocdoLoaded && frame.getBoundingClientRect().top < 0) frame.scrollIntoView();
    }
  });
})();
