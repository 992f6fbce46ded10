// Photos on a section page, through the media API. Progressive enhancement only:
// without this script the form posts to the page, and deleting asks on a page of
// its own.
//
// The picture goes as multipart (file, section, caption) to POST .../media with the
// X-CSRF-Token header, as editor.js does for the profile. Every word shown comes
// from the page (data-msg-* on the pictures section), already translated. A refused
// picture (413, 415, 422) says why and keeps the caption the child typed.
// window.aamPictures lets drawing.js send a drawing the same way.
(function () {
  "use strict";

  var box = document.querySelector("[data-pictures]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!box || !tokenMeta || !window.fetch || !window.FormData) return;

  var form = box.querySelector("[data-picture-form]");
  var list = box.querySelector("[data-picture-list]");
  var empty = box.querySelector("[data-pictures-empty]");
  var template = box.querySelector("template[data-picture-template]");
  var formStatus = box.querySelector("[data-picture-status]");
  var listStatus = box.querySelector("[data-list-status]");
  var preview = box.querySelector("[data-picture-preview]");
  var dialog = box.querySelector("[data-picture-dialog]");
  var caption = form.elements.caption;
  var pickers = Array.prototype.slice.call(form.querySelectorAll("[data-picker]"));
  var maxBytes = parseInt(box.getAttribute("data-max-bytes"), 10) || 0;
  var BY_STATUS = { 413: "too-large", 415: "unsupported-media-type", 422: "image-unreadable" };
  var chosen = null; // the file picked last, from the camera or the phone's pictures
  var previewUrl = null;
  var busy = false;
  var toDelete = null;

  function message(name) {
    return box.getAttribute("data-msg-" + name) || box.getAttribute("data-msg-failed") || "";
  }

  function say(target, text, kind) {
    target.textContent = text;
    target.className = target.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
  }

  function withId(attribute, id) {
    return box.getAttribute(attribute).replace(box.getAttribute("data-id-slot"), encodeURIComponent(id));
  }

  // -- sending a picture -----------------------------------------------------------

  // What went wrong, in the child's words: by the problem's stable code, else its status.
  function refusal(response) {
    if (response.status === 401 || response.status === 403) {
      return Promise.resolve({ text: message("session"), field: "file" });
    }
    var fallback = message(BY_STATUS[response.status] || "failed");
    return response.json().then(
      function (problem) {
        var errors = (problem && problem.errors) || {};
        if (errors.caption) return { text: [].concat(errors.caption).join(" "), field: "caption" };
        var code = String((problem && problem.code) || "").replace(/_/g, "-");
        return { text: (code && box.getAttribute("data-msg-" + code)) || fallback, field: "file" };
      },
      function () {
        return { text: fallback, field: "file" };
      }
    );
  }

  // Resolves {ok: true, picture} or {ok: false, text, field}; never rejects.
  function send(file, name, text) {
    if (maxBytes && file.size > maxBytes) {
      return Promise.resolve({ ok: false, text: message("too-large"), field: "file" });
    }
    var body = new FormData();
    body.append("file", file, name);
    body.append("section", box.getAttribute("data-section"));
    if (text.trim()) body.append("caption", text);
    return fetch(box.getAttribute("data-upload-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": tokenMeta.getAttribute("content") },
      body: body,
    }).then(
      function (response) {
        if (response.status === 201) {
          return response.json().then(function (picture) {
            return { ok: true, picture: picture };
          });
        }
        return refusal(response).then(function (refused) {
          refused.ok = false;
          return refused;
        });
      },
      function () {
        var offline = navigator.onLine === false;
        return { ok: false, text: message(offline ? "offline" : "failed"), field: "file" };
      }
    );
  }

  // A new picture at the top of the list, built from the page's own empty copy.
  function add(picture) {
    var item = template.content.firstElementChild.cloneNode(true);
    item.setAttribute("data-picture-id", picture.id);
    var thumb = item.querySelector("[data-picture-thumb]");
    thumb.width = picture.thumb_width;
    thumb.height = picture.thumb_height;
    thumb.src = withId("data-media-url", picture.id) + "?size=thumb";
    if (picture.caption) {
      item.querySelector("[data-picture-caption]").textContent = picture.caption;
      item.querySelector("[data-picture-delete-name]").textContent = ": " + picture.caption;
    }
    item.querySelector("[data-picture-delete]").href = withId("data-delete-page-url", picture.id);
    list.insertBefore(item, list.firstChild);
    empty.hidden = true;
  }

  // -- the photo form --------------------------------------------------------------

  // Errors from an earlier try go, the page's own (from a post without JS) too.
  function clearErrors() {
    form.querySelectorAll(".error-message").forEach(function (note) {
      note.remove();
    });
    form.querySelectorAll(".field-error").forEach(function (field) {
      field.classList.remove("field-error");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
    caption.setAttribute("aria-describedby", "picture-caption-hint");
  }

  function showError(refused) {
    clearErrors();
    var field = refused.field === "caption" ? caption : pickers[pickers.length - 1];
    var note = document.createElement("p");
    note.className = "error-message";
    note.id = field.id + "-js-error";
    note.textContent = refused.text;
    field.insertAdjacentElement("beforebegin", note);
    field.setAttribute("aria-invalid", "true");
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    say(formStatus, refused.text, "error");
  }

  function showPreview(file) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = file && window.URL && URL.createObjectURL ? URL.createObjectURL(file) : null;
    preview.hidden = !previewUrl;
    if (previewUrl) preview.src = previewUrl;
    else preview.removeAttribute("src");
  }

  function picked(picker) {
    chosen = (picker.files && picker.files[0]) || null;
    pickers.forEach(function (other) {
      if (other !== picker) other.value = "";
    });
    clearErrors();
    say(formStatus, "", "");
    showPreview(chosen);
    if (chosen && maxBytes && chosen.size > maxBytes) {
      showError({ text: message("too-large"), field: "file" });
    }
  }

  function submitted(event) {
    event.preventDefault();
    if (busy) return;
    if (!chosen) {
      showError({ text: message("image-empty"), field: "file" });
      return;
    }
    busy = true;
    clearErrors();
    say(formStatus, message("adding"), "busy");
    send(chosen, chosen.name || "photo.jpg", caption.value).then(function (result) {
      busy = false;
      if (!result.ok) {
        showError(result); // the caption stays as typed
        return;
      }
      add(result.picture);
      pickers.forEach(function (picker) {
        picker.value = "";
      });
      caption.value = "";
      chosen = null;
      showPreview(null);
      say(formStatus, message("added"), "ok");
    });
  }

  // -- deleting, after a "are you sure?" dialog ------------------------------------

  function asked(event) {
    var link = event.target.closest("[data-picture-delete]");
    if (!link || !dialog || typeof dialog.showModal !== "function") return; // the page asks instead
    event.preventDefault();
    toDelete = link.closest("[data-picture-id]");
    dialog.showModal();
  }

  function gone(item) {
    dialog.close();
    item.remove();
    empty.hidden = list.children.length > 0;
    say(listStatus, message("deleted"), "ok");
    box.focus(); // the button that opened the dialog has gone with the picture
  }

  function confirmed() {
    var item = toDelete;
    if (!item || busy) return;
    busy = true;
    fetch(withId("data-media-url", item.getAttribute("data-picture-id")), {
      method: "DELETE",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": tokenMeta.getAttribute("content") },
    })
      .then(
        function (response) {
          if (response.status === 204 || response.status === 404) return gone(item);
          dialog.close();
          var session = response.status === 401 || response.status === 403;
          return say(listStatus, message(session ? "session" : "not-deleted"), "error");
        },
        function () {
          dialog.close();
          say(listStatus, message("not-deleted"), "error");
        }
      )
      .then(function () {
        busy = false;
        toDelete = null;
      });
  }

  // -- wiring ----------------------------------------------------------------------

  var camera = box.querySelector("[data-camera-field]");
  if (camera && window.matchMedia && !window.matchMedia("(pointer: coarse)").matches) {
    camera.hidden = true; // no camera to open on a computer: one picker is enough
  }
  pickers.forEach(function (picker) {
    picker.addEventListener("change", function () {
      picked(picker);
    });
  });
  form.addEventListener("submit", submitted);
  list.addEventListener("click", asked);
  if (dialog) {
    dialog.querySelector("[data-delete-keep]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.querySelector("[data-delete-confirm]").addEventListener("click", confirmed);
  }

  window.aamPictures = { send: send, add: add, message: message };
})();
