// A drawing canvas for fingers: pointer events (touch, pen or mouse), a few colours,
// three brush sizes, undo and clear; with a keyboard the arrow keys draw (Shift for
// longer lines). "Save my drawing" makes a PNG (canvas.toBlob) and sends it through
// window.aamPictures (pictures.js), the way a photo goes, with its caption.
// Progressive enhancement: without JavaScript none of this is shown.
//
// The drawing is a list of strokes, redrawn whole after undo; "Clear" is a stroke
// too, so undo brings back what was cleared. Nothing is kept once the page closes.
(function () {
  "use strict";

  var root = document.querySelector("[data-drawing]");
  var pictures = window.aamPictures;
  var canvas = root && root.querySelector("[data-drawing-canvas]");
  if (!root || !pictures || !canvas || !canvas.getContext || !canvas.toBlob) return;
  if (!window.PointerEvent) return;

  var PAPER = "#ffffff";
  var PEN_RING = "#1f1a36";
  var KEY_STEP = 12;
  var KEY_STEP_LONG = 48;
  var context = canvas.getContext("2d");
  var panel = root.querySelector("[data-drawing-panel]");
  var opener = root.querySelector("[data-drawing-open]");
  var caption = root.querySelector("[data-drawing-caption]");
  var status = root.querySelector("[data-drawing-status]");
  var strokes = []; // {colour, width, points: [[x, y], ...]} or {clear: true}
  var drawing = null; // the stroke a finger (or pen, or mouse) is drawing now
  var keyed = null; // the stroke the arrow keys are drawing now
  var pen = { x: canvas.width / 2, y: canvas.height / 2 };
  var busy = false;

  function say(text, kind) {
    status.textContent = text;
    status.className = "save-status" + (kind ? " is-" + kind : "");
  }

  function chosen(selector) {
    var input = root.querySelector(selector + ":checked");
    return input ? input.value : null;
  }

  function newStroke(start) {
    return {
      colour: chosen("[data-drawing-colour]") || PEN_RING,
      width: parseFloat(chosen("[data-drawing-size]")) || 18,
      points: [start],
    };
  }

  // -- painting --------------------------------------------------------------------

  function shown() {
    var from = 0;
    strokes.forEach(function (stroke, index) {
      if (stroke.clear) from = index + 1;
    });
    return strokes.slice(from);
  }

  function dot(stroke, at) {
    context.fillStyle = stroke.colour;
    context.beginPath();
    context.arc(at[0], at[1], stroke.width / 2, 0, 2 * Math.PI);
    context.fill();
  }

  function line(stroke, from, to) {
    context.strokeStyle = stroke.colour;
    context.lineWidth = stroke.width;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(from[0], from[1]);
    context.lineTo(to[0], to[1]);
    context.stroke();
  }

  function paint(stroke) {
    dot(stroke, stroke.points[0]);
    for (var i = 1; i < stroke.points.length; i += 1) line(stroke, stroke.points[i - 1], stroke.points[i]);
  }

  // Where the arrow keys draw, shown only while the keyboard is in use.
  function ring() {
    context.save();
    context.strokeStyle = PEN_RING;
    context.lineWidth = 3;
    context.setLineDash([8, 6]);
    context.beginPath();
    context.arc(pen.x, pen.y, Math.max((parseFloat(chosen("[data-drawing-size]")) || 18) / 2 + 8, 12), 0, 2 * Math.PI);
    context.stroke();
    context.restore();
  }

  function redraw(withRing) {
    context.fillStyle = PAPER;
    context.fillRect(0, 0, canvas.width, canvas.height);
    shown().forEach(paint);
    if (withRing) ring();
  }

  function keyboardInUse() {
    try {
      return canvas.matches(":focus-visible");
    } catch (error) {
      return document.activeElement === canvas;
    }
  }

  // -- fingers, pens and mice --------------------------------------------------------

  function at(event) {
    var box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * canvas.width) / box.width,
      ((event.clientY - box.top) * canvas.height) / box.height,
    ];
  }

  function down(event) {
    if (drawing || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    endKeyed();
    canvas.setPointerCapture(event.pointerId);
    drawing = newStroke(at(event));
    drawing.pointerId = event.pointerId;
    strokes.push(drawing);
    dot(drawing, drawing.points[0]);
  }

  function move(event) {
    if (!drawing || event.pointerId !== drawing.pointerId) return;
    event.preventDefault();
    var moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    (moves.length ? moves : [event]).forEach(function (step) {
      var next = at(step);
      line(drawing, drawing.points[drawing.points.length - 1], next);
      drawing.points.push(next);
    });
  }

  function up(event) {
    if (drawing && event.pointerId === drawing.pointerId) drawing = null;
  }

  // -- the keyboard ----------------------------------------------------------------

  var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function clamp(value, most) {
    return Math.min(Math.max(value, 0), most);
  }

  function key(event) {
    var step = ARROWS[event.key];
    if (!step || drawing) return;
    event.preventDefault();
    var length = event.shiftKey ? KEY_STEP_LONG : KEY_STEP;
    if (!keyed) {
      keyed = newStroke([pen.x, pen.y]);
      strokes.push(keyed);
    }
    pen.x = clamp(pen.x + step[0] * length, canvas.width);
    pen.y = clamp(pen.y + step[1] * length, canvas.height);
    keyed.points.push([pen.x, pen.y]);
    redraw(true);
  }

  function endKeyed() {
    keyed = null;
  }

  // -- the buttons -------------------------------------------------------------------

  function undo() {
    endKeyed();
    strokes.pop();
    redraw(keyboardInUse());
  }

  function clear() {
    endKeyed();
    if (shown().length) strokes.push({ clear: true });
    redraw(keyboardInUse());
  }

  function saved(result) {
    busy = false;
    if (!result.ok) {
      say(result.text, "error"); // the drawing and its caption stay, to try again
      return;
    }
    pictures.add(result.picture);
    strokes = [];
    pen = { x: canvas.width / 2, y: canvas.height / 2 };
    redraw(false);
    caption.value = "";
    say(pictures.message("drawing-saved"), "ok");
  }

  function save() {
    if (busy) return;
    endKeyed();
    if (!shown().length) {
      say(pictures.message("draw-first"), "error");
      return;
    }
    busy = true;
    say(pictures.message("drawing-saving"), "busy");
    redraw(false); // the keyboard's ring is not part of the picture
    canvas.toBlob(function (blob) {
      redraw(keyboardInUse());
      if (!blob) {
        busy = false;
        say(pictures.message("failed"), "error");
        return;
      }
      pictures.send(blob, "drawing.png", caption.value).then(saved);
    }, "image/png");
  }

  function toggle() {
    var opening = panel.hidden;
    panel.hidden = !opening;
    opener.setAttribute("aria-expanded", String(opening));
    if (opening) redraw(false);
  }

  // -- wiring ----------------------------------------------------------------------

  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  canvas.addEventListener("lostpointercapture", up);
  canvas.addEventListener("keydown", key);
  canvas.addEventListener("focus", function () {
    redraw(keyboardInUse());
  });
  canvas.addEventListener("blur", function () {
    endKeyed();
    redraw(false);
  });
  root.addEventListener("change", function (event) {
    if (event.target.matches("[data-drawing-colour], [data-drawing-size]")) endKeyed();
  });
  root.querySelector("[data-drawing-undo]").addEventListener("click", undo);
  root.querySelector("[data-drawing-clear]").addEventListener("click", clear);
  root.querySelector("[data-drawing-save]").addEventListener("click", save);
  opener.addEventListener("click", toggle);
  root.querySelector("[data-drawing-start]").hidden = false;
  redraw(false);
})();
