// Progressive enhancement only: every page works without this script.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      /* the site works without offline support */
    });
  });
}
