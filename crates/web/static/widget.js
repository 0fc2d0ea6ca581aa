// Inside the widget's frame: tells the embedding page how tall the form is, so that the frame
// fits it, and when a new page has loaded in the frame. Only these two facts cross over.
(function () {
  function tell(loaded) {
    parent.postMessage({ thuocdoHeight: document.documentElement.offsetHeight, thuocdoLoaded: loaded }, "*");
  }
  window.addEventListener("load", function () { tell(true); });
  window.addEventListener("resize", function () { tell(false); });
  document.addEventListener("change", function () { tell(false); });
})();
