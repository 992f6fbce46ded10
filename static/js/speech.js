// "Read this to me": the browser's own speech (speechSynthesis) reads the page's main
// content aloud in the page's language (<html lang>); pressing again stops it.
//
// Only voices on the device are chosen: what a child wrote is never sent to an
// online voice. The button stays hidden without speech, or when the device lists
// its voices and none speaks the page's language. While a browser has not listed
// its voices yet (some never do) it is asked for the language and picks its own.
(function () {
  "use strict";

  var button = document.querySelector("[data-read-aloud]");
  var synth = window.speechSynthesis;
  if (!button || !synth || !window.SpeechSynthesisUtterance) return;

  // Not read: controls, what is hidden or only decoration, and the tools themselves.
  var SKIP = [
    "[data-read-skip]",
    "[hidden]",
    "[aria-hidden='true']",
    "script",
    "style",
    "template",
    "noscript",
    "input",
    "textarea",
    "select",
    "canvas",
    "dialog",
    "progress",
  ].join(",");
  // Each of these (or else a text's own element) is read as one piece, with a pause after.
  var PIECE = "h1,h2,h3,h4,p,li,label,legend,dt,dd,figcaption,summary,th,td,a,button";
  var RATE = 0.9; // a little slower than usual, for young listeners
  var label = button.querySelector("[data-read-aloud-label]");
  var icon = button.querySelector("[data-read-aloud-icon]");
  var language = (document.documentElement.getAttribute("lang") || "en").toLowerCase();
  var reading = false;
  var run = 0; // bumped on every start and stop, so a late "end" of an old run is ignored

  function speaks(voice) {
    var tag = String(voice.lang || "").toLowerCase().replace("_", "-");
    return tag === language || tag.split("-")[0] === language.split("-")[0];
  }

  // A voice on this device for the page's language; null when none is listed yet,
  // false when the device lists its voices and none of them will do.
  function deviceVoice() {
    var voices = synth.getVoices() || [];
    if (!voices.length) return null;
    var local = voices.filter(function (voice) {
      return voice.localService && speaks(voice);
    });
    if (!local.length) return false;
    return (
      local.filter(function (voice) {
        return voice.default;
      })[0] || local[0]
    );
  }

  function visible(element) {
    if (element.closest(SKIP)) return false;
    return typeof element.checkVisibility !== "function" || element.checkVisibility();
  }

  // The main content as pieces of text, in reading order.
  function pieces() {
    var main = document.getElementById("main") || document.body;
    var found = [];
    var piece = null;
    var words = "";
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    function done() {
      var text = words.replace(/\s+/g, " ").trim();
      if (text) found.push(text);
      words = "";
    }
    while (walker.nextNode()) {
      var node = walker.currentNode;
      var parent = node.parentElement;
      if (!parent || !node.nodeValue.trim() || !visible(parent)) continue;
      var owner = parent.closest(PIECE) || parent;
      if (owner !== piece) {
        done();
        piece = owner;
      }
      words += " " + node.nodeValue;
    }
    done();
    return found;
  }

  function show() {
    label.textContent = button.getAttribute(reading ? "data-msg-stop" : "data-msg-read");
    if (icon) icon.textContent = reading ? "⏹️" : "🔊";
    button.classList.toggle("is-reading", reading);
  }

  function finished(which) {
    if (which !== run) return;
    reading = false;
    show();
  }

  function start() {
    var texts = pieces();
    var voice = deviceVoice();
    if (!texts.length || voice === false) return;
    synth.cancel();
    run += 1;
    var which = run;
    reading = true;
    show();
    texts.forEach(function (text, index) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language;
      utterance.rate = RATE;
      if (voice) utterance.voice = voice;
      if (index === texts.length - 1) {
        utterance.onend = function () {
          finished(which);
        };
      }
      utterance.onerror = function () {
        finished(which);
      };
      synth.speak(utterance);
    });
  }

  function stop() {
    run += 1;
    synth.cancel();
    reading = false;
    show();
  }

  function offerIfPossible() {
    button.hidden = deviceVoice() === false;
    if (button.hidden && reading) stop();
  }

  button.addEventListener("click", function () {
    if (reading) stop();
    else start();
  });
  window.addEventListener("pagehide", function () {
    if (reading) stop();
  });
  if (typeof synth.addEventListener === "function") {
    synth.addEventListener("voiceschanged", offerIfPossible);
  }
  offerIfPossible();
})();
