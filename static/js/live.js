// The live room: what the server pushes is swapped in by the htmx SSE extension.
// This script adds three things on top, none of which the page needs to work:
// 1. a region a member is working in (focus inside, or a form with typed input) is never
//    replaced: its update waits until focus leaves it;
// 2. the speaking time counts down every second;
// 3. "you are next" is announced assertively (everything else politely, by aria-live).
(() => {
  const room = document.querySelector(".live-room");
  if (!room) {
    return;
  }
  document.documentElement.classList.add("js-live");
  const me = room.dataset.me;

  const busy = (region) => {
    if (region.contains(document.activeElement) && document.activeElement !== region) {
      return true;
    }
    return Array.from(region.querySelectorAll("input, textarea, select")).some((field) => {
      if (field.type === "hidden" || field.type === "submit") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return Array.from(field.options).some((o) => o.selected !== o.defaultSelected);
      }
      return field.value !== field.defaultValue;
    });
  };

  // Guarded regions fetch their update with hx-get on an event: hold the request back.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const region = event.detail.elt.closest && event.detail.elt.closest("[data-live-guard]");
    if (region && event.detail.elt === region && busy(region)) {
      event.preventDefault();
      // Keep the event held back: the vote panel listens for sse:vote, the others for
      // sse:speakers (and the chair's for more); the same event fetches it later.
      const held = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
      region.dataset.livePending = (held && held.type) || "sse:speakers";
    }
  });
  // An answer asked for before the member began working in the region is held back too.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const region = event.detail.elt;
    if (region && region.matches && region.matches("[data-live-guard]") && busy(region)) {
      event.detail.shouldSwap = false;
      const held = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
      region.dataset.livePending = (held && held.type) || "sse:speakers";
    }
  });
  document.addEventListener("focusout", (event) => {
    const region = event.target.closest && event.target.closest("[data-live-guard]");
    if (!region || !region.dataset.livePending) {
      return;
    }
    setTimeout(() => {
      if (!busy(region)) {
        const held = region.dataset.livePending;
        delete region.dataset.livePending;
        window.htmx.trigger(region, held);
      }
    }, 0);
  });

  // Pushed regions: while focus is inside one, keep its update until focus leaves.
  document.addEventListener("htmx:sseBeforeMessage", (event) => {
    const region = event.detail.elt;
    if (region && busy(region)) {
      event.preventDefault();
      region.livePending = event.detail.data;
      region.dataset.livePending = "pushed";
    }
  });
  document.addEventListener("focusout", (event) => {
    const region = event.target.closest && event.target.closest("[sse-swap]");
    if (!region || region.livePending === undefined) {
      return;
    }
    setTimeout(() => {
      if (!busy(region)) {
        window.htmx.swap(region, region.livePending, { swapStyle: "innerHTML" });
        delete region.livePending;
        delete region.dataset.livePending;
      }
    }, 0);
  });

  // Pushed lists are the same for everyone: mark the member's own place here.
  const markMine = () => {
    if (!me) {
      return;
    }
    document.querySelectorAll(`#region-speakers li[data-member="${me}"]`).forEach((li) => {
      if (!li.querySelector(".you")) {
        const you = document.createElement("strong");
        you.className = "you";
        you.textContent = ` (${room.dataset.youText || "you"})`;
        li.querySelector(".speaker-name")?.after(you);
      }
    });
  };

  const announceNext = () => {
    const first = document.querySelector("#region-speakers ol.speakers > li:not(.blocked)");
    const loud = document.getElementById("live-assertive");
    if (!loud) {
      return;
    }
    const next = Boolean(first && me && first.dataset.member === me);
    if (next && loud.dataset.said !== "next") {
      loud.textContent = room.dataset.nextText || "";
      loud.dataset.said = "next";
    } else if (!next) {
      loud.dataset.said = "";
    }
  };

  // Who may hold a seat fetches the ballot of an open vote; everyone else sees the vote
  // without asking the server for anything (a vote opening before 2,000 viewers).
  const loadBallot = () => {
    if (room.dataset.mayVote !== "yes") {
      return;
    }
    // after this swap's settling: htmx sets up the new parts one after the other
    setTimeout(() => {
      document.querySelectorAll("[data-ballot-loader]:not([data-asked])").forEach((loader) => {
        loader.dataset.asked = "yes";
        window.htmx.trigger(loader, "ballot");
      });
    }, 0);
  };

  // "A vote is open" is said at once, once per vote.
  const announceVote = () => {
    const open = document.querySelector("#room-vote [data-vote-open]");
    const loud = document.getElementById("live-assertive");
    if (open && loud && loud.dataset.vote !== open.dataset.voteOpen) {
      loud.dataset.vote = open.dataset.voteOpen;
      loud.textContent = open.dataset.openText || "";
    }
  };

  const tick = () => {
    document.querySelectorAll(".timer[data-running='yes']").forEach((timer) => {
      const left = Number(timer.dataset.remaining) - 1;
      timer.dataset.remaining = String(left);
      const shown = Math.max(left, 0);
      const text = `${Math.floor(shown / 60)}:${String(shown % 60).padStart(2, "0")}`;
      const worded = (room.dataset.leftText || "{time}").replace("{time}", text);
      timer.textContent = left < 0 ? `${text} (${room.dataset.overText || "+"})` : worded;
    });
  };
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", () => {
    markMine();
    announceNext();
    announceVote();
  });
  announceNext();
  window.htmx.onLoad(loadBallot); // also once htmx has set up the page
})();
