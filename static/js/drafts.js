// Drafts a child could not send yet, kept on this phone in IndexedDB only
// (database "aam-drafts"): never in the service worker's cache, never in
// localStorage. Every call returns a Promise; without IndexedDB they reject
// (get resolves null), and the editor falls back to its plain offline message.
//
// Drafts go on logout: the server sends Clear-Site-Data "storage", and, in case
// a browser ignores it, the logout form deletes the database before it posts.
(function () {
  "use strict";

  var NAME = "aam-drafts";
  var STORE = "drafts";
  var LOGOUT_WAIT_MS = 1500;
  var opening = null;
  var shut = false; // after logout starts, nothing more is written

  function available() {
    try {
      return Boolean(window.indexedDB);
    } catch (error) {
      return false; // some browsers throw when storage is blocked
    }
  }

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () {
        resolve(req.result);
      };
      req.onerror = function () {
        reject(req.error);
      };
    });
  }

  function openAt(version) {
    var req = version ? indexedDB.open(NAME, version) : indexedDB.open(NAME);
    req.onupgradeneeded = function () {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    return request(req).then(function (db) {
      if (!db.objectStoreNames.contains(STORE)) {
        // Someone made the database without our store: add it in a new version.
        var next = db.version + 1;
        db.close();
        return openAt(next);
      }
      return db;
    });
  }

  function open() {
    if (shut || !available()) return Promise.reject(new Error("no drafts"));
    if (!opening) {
      opening = openAt(0).then(function (db) {
        // Let a deletion (logout in another tab) go ahead instead of blocking it.
        db.onversionchange = function () {
          db.close();
          opening = null;
        };
        db.onclose = function () {
          opening = null;
        };
        return db;
      });
      opening.catch(function () {
        opening = null;
      });
    }
    return opening;
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          reject(tx.error);
        };
      });
    });
  }

  function get(key) {
    return run("readonly", function (store) {
      return store.get(key);
    }).then(
      function (value) {
        return value === undefined ? null : value;
      },
      function () {
        return null;
      }
    );
  }

  function put(key, value) {
    return run("readwrite", function (store) {
      return store.put(value, key);
    });
  }

  function remove(key) {
    return run("readwrite", function (store) {
      return store.delete(key);
    });
  }

  function clearAll() {
    if (!available()) return Promise.resolve();
    var closing = opening
      ? opening.then(
          function (db) {
            db.close();
          },
          function () {}
        )
      : Promise.resolve();
    opening = null;
    return closing.then(function () {
      return new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase(NAME);
        req.onsuccess = req.onerror = function () {
          resolve();
        };
      });
    });
  }

  window.aamDrafts = { get: get, put: put, remove: remove, clearAll: clearAll };

  // -- logout: delete the drafts before the form posts -------------------------
  document.querySelectorAll('form[action$="/logout"]').forEach(function (form) {
    var leaving = false;
    form.addEventListener("submit", function (event) {
      if (leaving) return;
      leaving = true;
      shut = true;
      event.preventDefault();
      var sent = false;
      function send() {
        if (sent) return;
        sent = true;
        form.submit(); // does not fire "submit" again
      }
      clearAll().then(send, send);
      setTimeout(send, LOGOUT_WAIT_MS); // never keep a child from logging out
    });
  });
})();
