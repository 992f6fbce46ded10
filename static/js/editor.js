// Autosave for a profile section. Progressive enhancement only: without this
// script the form posts to the page and everything still works.
//
// The whole section is PUT as JSON to the profile API with If-Match naming the
// version this page last saw; the response's ETag is the new version. Every
// message shown comes from the page (data-msg-*), already translated.
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var form = document.querySelector("form[data-autosave]");
  var status = document.getElementById("save-status");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!form || !status || !tokenMeta || !window.fetch || !window.JSON) return;

  var versionInput = form.querySelector('input[name="version"]');
  var panel = document.getElementById("conflict-panel");
  var timer = null;
  var inFlight = null;
  var again = false;
  var waitingForNetwork = false;
  var inConflict = false;
  var lastSaved = JSON.stringify(collect());

  function message(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function say(name, kind) {
    status.textContent = message(name);
    status.className = "save-status" + (kind ? " is-" + kind : "");
  }

  function checkedValues(box) {
    var values = [];
    box.querySelectorAll("input:checked").forEach(function (input) {
      if (input.value) values.push(input.value);
    });
    return values;
  }

  // The same shape allaboutme/profiles/forms.py makes from a posted form.
  function answerOf(box) {
    var type = box.getAttribute("data-type");
    if (type === "text") {
      var text = box.querySelector("textarea").value;
      return text.trim() ? text : undefined;
    }
    if (type === "list") {
      var lines = box.querySelector("textarea").value.split(/\r?\n/).filter(function (line) {
        return line.trim() !== "";
      });
      return lines.length ? lines : undefined;
    }
    var picked = checkedValues(box);
    if (type === "multi_choice") return picked.length ? picked : undefined;
    if (!picked.length) return undefined;
    return type === "scale" && /^-?\d+$/.test(picked[0]) ? parseInt(picked[0], 10) : picked[0];
  }

  function collect() {
    var answers = {};
    form.querySelectorAll("[data-question]").forEach(function (box) {
      var value = answerOf(box);
      if (value !== undefined) answers[box.getAttribute("data-question")] = value;
    });
    return {
      answers: answers,
      language: form.elements.language ? form.elements.language.value : "en",
      helped: Boolean(form.elements.helped && form.elements.helped.checked),
    };
  }

  function versionFrom(response) {
    var tag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
    return /^\d+$/.test(tag) ? tag : null;
  }

  function clearFieldErrors() {
    form.querySelectorAll("[data-js-error]").forEach(function (node) {
      node.remove();
    });
    form.querySelectorAll(".js-invalid").forEach(function (box) {
      box.classList.remove("js-invalid", "field-error");
      box.querySelectorAll("[aria-invalid]").forEach(function (field) {
        field.removeAttribute("aria-invalid");
      });
    });
  }

  function showFieldErrors(errors) {
    clearFieldErrors();
    Object.keys(errors || {}).forEach(function (key) {
      var box = form.querySelector('[data-question="' + key.replace(/[^\w-]/g, "") + '"]');
      if (!box) return;
      var note = document.createElement("p");
      note.className = "error-message";
      note.setAttribute("data-js-error", "");
      note.textContent = [].concat(errors[key]).join(" ");
      var label = box.querySelector(".question-label");
      label.insertAdjacentElement("afterend", note);
      box.classList.add("js-invalid", "field-error");
      var field = box.querySelector("textarea");
      if (field) field.setAttribute("aria-invalid", "true");
    });
  }

  function onSaved(response, sent) {
    var version = versionFrom(response);
    if (version) versionInput.value = version;
    lastSaved = sent;
    clearFieldErrors();
    say("saved", "ok");
  }

  function onRefused(response) {
    if (response.status === 409) return showConflict();
    if (response.status === 401 || response.status === 403) return say("session", "error");
    if (response.status !== 422) return say("failed", "error");
    return response.json().then(
      function (problem) {
        showFieldErrors(problem.errors);
        say("invalid", "error");
      },
      function () {
        say("invalid", "error");
      }
    );
  }

  function onNetworkError() {
    waitingForNetwork = true;
    say("offline", "offline");
  }

  function save(options) {
    options = options || {};
    clearTimeout(timer);
    timer = null;
    if (inConflict) return Promise.resolve();
    if (inFlight) {
      again = true;
      return inFlight;
    }
    var sent = JSON.stringify(collect());
    if (sent === lastSaved && !options.force) {
      if (options.announce) say("saved", "ok");
      return Promise.resolve();
    }
    if (navigator.onLine === false) {
      onNetworkError();
      return Promise.resolve();
    }
    waitingForNetwork = false;
    say("saving", "busy");
    inFlight = fetch(form.getAttribute("data-api-url"), {
      method: "PUT",
      credentials: "same-origin",
      keepalive: Boolean(options.keepalive),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "If-Match": '"' + versionInput.value + '"',
        "X-CSRF-Token": tokenMeta.getAttribute("content"),
      },
      body: sent,
    })
      .then(function (response) {
        return response.ok ? onSaved(response, sent) : onRefused(response);
      }, onNetworkError)
      .then(function () {
        inFlight = null;
        if (again) {
          again = false;
          return save();
        }
        return undefined;
      });
    return inFlight;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  }

  // -- "This changed on another device" -------------------------------------

  function choiceLabel(box, key) {
    var found = null;
    box.querySelectorAll("input").forEach(function (input) {
      if (input.value === String(key)) found = input.closest("label");
    });
    var label = found && found.querySelector(".choice-label");
    return label ? label.textContent.trim() : String(key);
  }

  function shown(box, value) {
    var type = box.getAttribute("data-type");
    var items = [].concat(value);
    if (type !== "text" && type !== "list") {
      items = items.map(function (key) {
        return choiceLabel(box, key);
      });
    }
    return items.join(type === "text" ? "" : ", ");
  }

  function fillAnswers(list, answers) {
    list.textContent = "";
    var count = 0;
    form.querySelectorAll("[data-question]").forEach(function (box) {
      var value = answers[box.getAttribute("data-question")];
      if (value === undefined || value === null || value === "") return;
      var term = document.createElement("dt");
      term.textContent = box.querySelector(".question-label").textContent.trim();
      var detail = document.createElement("dd");
      detail.setAttribute("dir", "auto");
      detail.textContent = shown(box, value);
      list.appendChild(term);
      list.appendChild(detail);
      count += 1;
    });
    return count;
  }

  function showPanel(profile, newest) {
    var section = profile.sections[form.getAttribute("data-section")];
    var savedList = panel.querySelector("[data-conflict-saved]");
    var savedCount = fillAnswers(savedList, section ? section.answers : {});
    panel.querySelector("[data-conflict-empty]").hidden = savedCount > 0;
    fillAnswers(panel.querySelector("[data-conflict-mine]"), collect().answers);
    panel.setAttribute("data-newest", newest || String(profile.version));
    panel.hidden = false;
    panel.focus();
  }

  function showConflict() {
    inConflict = true;
    say("conflict", "error");
    return fetch(form.getAttribute("data-profile-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("profile " + response.status);
        var newest = versionFrom(response);
        return response.json().then(function (profile) {
          showPanel(profile, newest);
        });
      })
      .catch(function () {
        say("failed", "error");
      });
  }

  function choose(event) {
    var choice = event.target.closest("[data-conflict-choice]");
    if (!choice) return;
    if (choice.getAttribute("data-conflict-choice") === "saved") {
      window.location.replace(window.location.pathname);
      return;
    }
    versionInput.value = panel.getAttribute("data-newest");
    panel.hidden = true;
    inConflict = false;
    save({ force: true });
  }

  // -- wiring ----------------------------------------------------------------

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("focusout", function () {
    if (timer) save();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (inConflict) {
      panel.focus();
      return;
    }
    save({ announce: true });
  });
  if (panel) panel.addEventListener("click", choose);
  window.addEventListener("online", function () {
    if (waitingForNetwork) save();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) save({ keepalive: true });
  });
})();
