// Autosave for a profile section. Progressive enhancement only: without this
// script the form posts to the page and everything still works.
//
// The whole section is PUT as JSON to the profile API with If-Match naming the
// version this page last saw; the response's ETag is the new version. Every
// message shown comes from the page (data-msg-*), already translated.
//
// What cannot be sent (offline, network error) is kept as a draft on this
// phone through window.aamDrafts (drafts.js: IndexedDB only), keyed
// "section:<key>" with the version it was written from. The draft is sent
// again on "online", on the next page load, and after a while; it goes once
// the server has it, or once the child has chosen in the conflict panel.
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var RETRY_FIRST_MS = 15000;
  var RETRY_MOST_MS = 120000;
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
  var drafts = window.aamDrafts || null;
  var draftKey = "section:" + form.getAttribute("data-section");
  var owner = form.getAttribute("data-api-url"); // whose draft: never another child's
  var said = 0; // bumped by every status change, so a late draft write cannot overwrite a newer one
  var retryTimer = null;
  var retryMs = RETRY_FIRST_MS;

  function message(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function say(name, kind) {
    said += 1;
    status.textContent = message(name);
    status.className = "save-status" + (kind ? " is-" + kind : "");
  }

  // "Waiting to send – saved on this phone", and why, while offline.
  function sayWaiting() {
    said += 1;
    status.textContent = "";
    var main = document.createElement("span");
    main.className = "status-main";
    main.textContent = message("waiting");
    status.appendChild(main);
    if (navigator.onLine === false && message("waiting-offline")) {
      status.appendChild(document.createTextNode(" " + message("waiting-offline")));
    }
    status.className = "save-status is-waiting";
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

  function onSaved(response, sent, base) {
    var version = versionFrom(response);
    if (version) versionInput.value = version;
    lastSaved = sent;
    clearFieldErrors();
    say("saved", "ok");
    return settleDraft(sent, base, version);
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

  function onNetworkError(sent) {
    waitingForNetwork = true;
    say("offline", "offline");
    var shown = said;
    retryLater();
    return storeDraft(sent).then(
      function () {
        if (said === shown) sayWaiting();
      },
      function () {
        /* no IndexedDB: the offline message stays, and the page keeps the words */
      }
    );
  }

  // -- drafts kept on this phone -----------------------------------------------

  function bodyOf(draft) {
    return JSON.stringify({ answers: draft.answers, language: draft.language, helped: draft.helped });
  }

  function storeDraft(sent) {
    if (!drafts) return Promise.reject(new Error("no drafts"));
    var body = JSON.parse(sent);
    return drafts.put(draftKey, {
      owner: owner,
      answers: body.answers,
      language: body.language,
      helped: body.helped,
      base: versionInput.value,
      saved_at: new Date().toISOString(),
    });
  }

  function dropDraft() {
    return drafts ? drafts.remove(draftKey).catch(function () {}) : Promise.resolve();
  }

  // The server has `sent` (written from `base`, now `version`): drop the draft if
  // it says the same; if it was written later from the same base, it follows on.
  function settleDraft(sent, base, version) {
    if (!drafts) return Promise.resolve();
    return drafts.get(draftKey).then(function (draft) {
      if (!draft) return undefined;
      if (bodyOf(draft) === sent) return dropDraft();
      if (draft.base === base && version) {
        draft.base = version;
        return drafts.put(draftKey, draft).catch(function () {});
      }
      return undefined;
    });
  }

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (waitingForNetwork && navigator.onLine !== false) save();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MOST_MS);
  }

  function fillForm(draft) {
    var answers = draft.answers || {};
    form.querySelectorAll("[data-question]").forEach(function (box) {
      var type = box.getAttribute("data-type");
      var value = answers[box.getAttribute("data-question")];
      var area = box.querySelector("textarea");
      if (type === "text" && area) {
        area.value = value === undefined || value === null ? "" : String(value);
      } else if (type === "list" && area) {
        area.value = value ? [].concat(value).join("\n") : "";
      } else {
        var wanted = (value === undefined || value === null ? [""] : [].concat(value)).map(String);
        box.querySelectorAll("input").forEach(function (input) {
          input.checked = wanted.indexOf(input.value) !== -1;
        });
      }
    });
    var language = form.elements.language;
    if (language && draft.language) {
      for (var i = 0; i < language.options.length; i += 1) {
        if (language.options[i].value === draft.language) language.value = draft.language;
      }
    }
    if (form.elements.helped) form.elements.helped.checked = Boolean(draft.helped);
  }

  // A draft from an earlier visit: back into the form, marked as waiting, and sent.
  function restoreDraft() {
    if (!drafts) return;
    drafts.get(draftKey).then(function (draft) {
      if (!draft) return undefined;
      if (draft.owner !== owner || !/^\d+$/.test(String(draft.base))) return dropDraft();
      if (JSON.stringify(collect()) !== lastSaved || inFlight) return undefined; // already typing
      fillForm(draft);
      if (JSON.stringify(collect()) === lastSaved) return dropDraft(); // the server has it already
      versionInput.value = String(draft.base);
      waitingForNetwork = true;
      sayWaiting();
      if (navigator.onLine !== false) return save();
      return undefined;
    });
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
      return onNetworkError(sent);
    }
    waitingForNetwork = false;
    clearTimeout(retryTimer);
    retryTimer = null;
    say("saving", "busy");
    var base = versionInput.value;
    inFlight = fetch(form.getAttribute("data-api-url"), {
      method: "PUT",
      credentials: "same-origin",
      keepalive: Boolean(options.keepalive),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "If-Match": '"' + base + '"',
        "X-CSRF-Token": tokenMeta.getAttribute("content"),
      },
      body: sent,
    })
      .then(function (response) {
        if (response.ok) {
          retryMs = RETRY_FIRST_MS;
          return onSaved(response, sent, base);
        }
        return onRefused(response);
      }, function () {
        return onNetworkError(sent);
      })
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

  function canonical(answers) {
    var out = {};
    Object.keys(answers || {})
      .sort()
      .forEach(function (key) {
        out[key] = answers[key];
      });
    return JSON.stringify(out);
  }

  // The newer version is exactly what this page wants to send (say a send whose
  // answer never arrived): nothing to choose, it is saved.
  function alreadySaved(section, newest) {
    var mine = collect();
    if (!section || !newest) return false;
    if (canonical(section.answers) !== canonical(mine.answers)) return false;
    if (section.language !== mine.language || Boolean(section.helped) !== mine.helped) return false;
    versionInput.value = newest;
    lastSaved = JSON.stringify(mine);
    inConflict = false;
    waitingForNetwork = false;
    say("saved", "ok");
    dropDraft();
    return true;
  }

  function showPanel(profile, newest) {
    var section = profile.sections[form.getAttribute("data-section")];
    if (alreadySaved(section, newest || String(profile.version))) return;
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
    var reload = function () {
      window.location.replace(window.location.pathname);
    };
    if (choice.getAttribute("data-conflict-choice") === "saved") {
      dropDraft().then(reload, reload); // the child chose: the draft goes
      return;
    }
    var newest = panel.getAttribute("data-newest");
    versionInput.value = newest;
    panel.hidden = true;
    inConflict = false;
    // What they wrote now follows the newest version; sent, the draft goes.
    var rebase = drafts
      ? drafts.get(draftKey).then(function (draft) {
          if (!draft) return undefined;
          draft.base = newest;
          return drafts.put(draftKey, draft);
        })
      : Promise.resolve();
    rebase
      .catch(function () {})
      .then(function () {
        return save({ force: true });
      });
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
    retryMs = RETRY_FIRST_MS;
    if (waitingForNetwork) save();
  });
  window.addEventListener("offline", function () {
    if (waitingForNetwork && status.classList.contains("is-waiting")) sayWaiting();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) save({ keepalive: true });
  });
  restoreDraft();
})();
