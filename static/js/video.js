// The video room: a small Janus client that talks to Janus only through Plenum's relay
// (/meetings/{id}/video/janus), which fixes the room, the member's id and name, and lets
// only those whose role sends publish or unmute.
//
// - Sound comes through the audio bridge: one mixed stream, whoever speaks. A listener
//   sends a silent track (no microphone, no prompt); after being called and their own
//   click, the microphone's track replaces it.
// - Pictures come from the video room: the page subscribes to those who publish (the
//   speaker, the chair, a pinned interpreter), in one subscription that follows them;
//   "audio only" subscribes to none. When the floor goes from one speaker to the next,
//   Plenum mutes the old speaker's picture at once and their page unpublishes only once
//   the next picture has come (or after 15 s): meanwhile the others switch the muted
//   picture's m-line to the new speaker (no new offer, no answer), which keeps a call
//   quick in a full room.
// - After a change of the speakers' list (the live stream's "speakers" and "video"
//   events) the page asks for its state again: its role, who speaks, who is pinned.
(() => {
  const stage = document.getElementById("stage");
  if (!stage || !stage.dataset.config) {
    return;
  }
  const config = JSON.parse(stage.dataset.config);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const text = (name, values = {}) =>
    (stage.dataset["text" + name] || "").replace(/\{(\w+)\}/g, (_, key) => values[key] || "");
  const $ = (id) => document.getElementById(id);
  const status = $("video-status");
  const say = (message) => {
    status.textContent = message;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const transaction = () => Math.random().toString(36).slice(2, 14);

  const room = {
    session: null,
    handles: new Map(), // handle id -> {plugin, onevent}
    pending: new Map(), // transaction -> resolve
    bridge: null,
    watcher: null,
    subscriber: null,
    feeds: new Map(), // participant id -> display name
    videoMids: new Map(), // participant id -> the mid of their picture
    outgoing: new Set(), // participants muted by Plenum: the floor went, they unpublish soon
    held: null, // this page's own picture after the floor went: {pc, watcher, timer, until}
    republishing: false, // its picture was muted while it still has the floor
    answered: 0, // for tests: Janus's offers to the subscription answered
    switched: 0, // m-lines switched to another picture without an offer
    trail: [], // for tests: "published|muted|gone|kicked <member>", as the room told it
    trailAt: [], // and when (seconds on the page's clock)
    audioOnly: false,
    state: { role: config.role, speaker: null, pinned: null, recording: config.recording },
    local: null, // the member's microphone and camera, after their click
    silent: null,
    sending: false,
    pcs: {}, // for tests: bridge, publisher, subscriber
    visit: 0, // entering and leaving again: a new visit
    listed: 0, // speakers taken from the list pushed
  };
  window.plenumVideo = room;

  const post = async (path, body, headers = {}) => {
    const response = await fetch(config.relay + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, ...headers },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (data.janus === "error") {
      throw new Error(data.error && data.error.reason);
    }
    return data;
  };

  const poll = async () => {
    while (room.session) {
      const session = room.session;
      try {
        const response = await fetch(`${config.relay}/${session}`, { credentials: "same-origin" });
        const events = await response.json();
        if (!Array.isArray(events) && events.janus === "error") {
          if (response.status === 403) {
            room.session = null;
            say(text("Failed"));
            return;
          }
          await sleep(1000);
          continue;
        }
        for (const event of Array.isArray(events) ? events : [events]) {
          dispatch(event);
        }
      } catch (error) {
        await sleep(1000);
      }
    }
  };

  const dispatch = (event) => {
    if (event.janus === "keepalive") {
      return;
    }
    if (event.transaction && room.pending.has(event.transaction) && event.janus === "event") {
      room.pending.get(event.transaction)(event);
      room.pending.delete(event.transaction);
      return;
    }
    const handle = room.handles.get(event.sender);
    if (handle && handle.onevent) {
      handle.onevent(event);
    }
  };

  const attach = async (plugin, onevent) => {
    const answer = await post(`/${room.session}`, { janus: "attach", plugin, transaction: transaction() });
    const handle = { id: answer.data.id, plugin, onevent };
    room.handles.set(handle.id, handle);
    return handle;
  };

  const detach = async (handle) => {
    if (!handle) {
      return;
    }
    room.handles.delete(handle.id);
    try {
      await post(`/${room.session}/${handle.id}`, { janus: "detach", transaction: transaction() });
    } catch (error) {
      // gone already
    }
  };

  // A plugin request; resolves with its answer (at once, or the event that carries it).
  // An answer that never comes (a lost poll, the member left) fails the step after
  // ANSWER_MS instead of holding every later one.
  const ANSWER_MS = 15000;
  const send = async (handle, body, jsep) => {
    const id = transaction();
    let timer;
    const waiting = new Promise((resolve, reject) => {
      room.pending.set(id, resolve);
      timer = setTimeout(() => reject(new Error("no answer")), ANSWER_MS);
    });
    waiting.catch(() => {});
    const message = { janus: "message", transaction: id, body };
    if (jsep) {
      message.jsep = { type: jsep.type, sdp: jsep.sdp };
    }
    try {
      const answer = await post(`/${room.session}/${handle.id}`, message);
      if (answer.janus === "success") {
        return { plugindata: answer.plugindata };
      }
      const event = await waiting;
      if (event.janus === "aborted") {
        throw new Error("left");
      }
      return event;
    } finally {
      clearTimeout(timer);
      room.pending.delete(id);
    }
  };

  // A plugin request whose answer is not waited for (only Janus's ack).
  const tell = (handle, body, jsep) =>
    post(`/${room.session}/${handle.id}`, {
      janus: "message",
      transaction: transaction(),
      body,
      jsep: { type: jsep.type, sdp: jsep.sdp },
    });

  const trickle = (handle, pc) => {
    pc.onicecandidate = (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : { completed: true };
      post(`/${room.session}/${handle.id}`, { janus: "trickle", transaction: transaction(), candidate }).catch(
        () => {},
      );
    };
  };

  const newPeer = () => new RTCPeerConnection({ iceServers: config.iceServers || [] });

  // --- sound: the audio bridge -----------------------------------------------------------

  const silentTrack = () => {
    const context = new AudioContext();
    const destination = context.createMediaStreamDestination();
    room.silent = context;
    return destination.stream.getAudioTracks()[0];
  };

  const joinBridge = async () => {
    const handle = await attach("janus.plugin.audiobridge", null);
    room.bridge = handle;
    await send(handle, { request: "join", muted: true });
    const pc = newPeer();
    room.pcs.bridge = pc;
    trickle(handle, pc);
    pc.ontrack = (event) => {
      $("video-audio").srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    handle.sender = pc.addTransceiver(silentTrack(), { direction: "sendrecv" }).sender;
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const answer = await send(handle, { request: "configure", muted: true }, offer);
    if (answer.jsep) {
      await pc.setRemoteDescription(answer.jsep);
    }
  };

  // --- pictures: the video room ------------------------------------------------------------

  const note = (what, id) => {
    if (room.trail.length < 200) {
      room.trail.push(`${what} ${Math.floor(id / config.idSpan)}`);
      room.trailAt.push(performance.now() / 1000);
    }
  };

  const onRoomEvent = (event) => {
    const data = (event.plugindata && event.plugindata.data) || {};
    let changed = false;
    for (const publisher of data.publishers || []) {
      note("published", publisher.id);
      room.feeds.set(publisher.id, publisher.display || "");
      room.outgoing.delete(publisher.id); // a new publication: not muted
      if (!mine(publisher.id)) {
        releaseBy(NEXT_MS); // the next picture is here: let go of a held one soon
      }
      const video = (publisher.streams || []).find((stream) => stream.type === "video");
      if (video) {
        room.videoMids.set(publisher.id, video.mid);
      }
      changed = true;
    }
    if (data.moderation === "muted" && typeof data.id === "number") {
      note("muted", data.id);
      room.outgoing.add(data.id); // the floor went: not asked for, its m-line free to switch
      changed = true;
      if (mine(data.id)) {
        mutedByPlenum();
      }
    }
    for (const gone of [data.unpublished, data.leaving, data.kicked]) {
      if (typeof gone === "number" && room.feeds.delete(gone)) {
        note(gone === data.kicked ? "kicked" : "gone", gone);
        room.outgoing.delete(gone);
        room.videoMids.delete(gone);
        changed = true;
      }
    }
    if (data.leaving === "ok" || data.reason === "kicked") {
      // put out of the pictures (the floor was taken back): join again, receiving only
      stopSending();
      rejoinWatcher();
      return;
    }
    if (changed) {
      subscribe();
    }
  };

  const joinWatcher = async () => {
    const handle = await attach("janus.plugin.videoroom", onRoomEvent);
    room.watcher = handle;
    const joined = await send(handle, { request: "join", ptype: "publisher" });
    onRoomEvent(joined);
    controls();
  };

  const rejoinWatcher = async () => {
    const old = room.watcher;
    room.watcher = null;
    await detach(old);
    room.feeds.clear();
    await joinWatcher();
    await subscribe();
  };

  // One subscription for the page's whole stay (until audio only or leaving): a change of
  // publishers updates it (Janus's "update": an offer for the same peer connection, the
  // m-line of a feed gone taken for the feed that came) instead of a new peer connection
  // each time, so a call costs a listener one request and one answer, not a new ICE check
  // and DTLS handshake. Janus itself offers anew when a publisher goes. Every step runs
  // in turn; a step that fails starts the subscription afresh.
  // Steps of one visit (from entering to leaving) only: leaving starts a new queue.
  let queue = Promise.resolve();
  const inTurn = (step) => {
    const visit = room.visit;
    const current = () => visit === room.visit;
    queue = queue
      .then(() => current() && step())
      .catch(() => current() && restart())
      .catch(() => {});
    return queue;
  };
  const subscribe = () => inTurn(resubscribe);

  const mine = (id) => Math.floor(id / config.idSpan) === config.me;
  const wanted = () => [...room.feeds.keys()].filter((id) => !mine(id) && !room.outgoing.has(id));
  const subscribed = (handle) => [...handle.streams.values()];

  const resubscribe = async () => {
    if (room.audioOnly || !room.session) {
      await unsubscribeAll();
      return;
    }
    const feeds = wanted();
    const handle = room.subscriber;
    if (!handle) {
      await newSubscription(feeds);
      return;
    }
    // A feed that went is taken out by Janus itself (its own offer): only new ones are
    // asked for, and nothing waits for Janus's offer to come first.
    // asked for but not in an answer yet (Janus may answer "updating" first): not twice
    for (const feed of handle.asked) {
      if (!room.feeds.has(feed)) {
        handle.asked.delete(feed);
      }
    }
    const have = [...subscribed(handle), ...handle.asked];
    const fresh = feeds.filter((feed) => !have.includes(feed));
    // A new picture takes the m-line of one whose floor went (Janus's "switch": no offer,
    // no answer, the same receiver); what is left is asked for by "update".
    const free = [...handle.streams].filter(([, feed]) => room.outgoing.has(feed)).map(([mid]) => mid);
    const moves = fresh
      .filter((feed) => room.videoMids.has(feed))
      .slice(0, free.length)
      .map((feed, index) => ({ feed, mid: room.videoMids.get(feed), sub_mid: free[index] }));
    if (moves.length) {
      moves.forEach(({ feed }) => handle.asked.add(feed));
      try {
        await negotiate(handle, await send(handle, { request: "switch", streams: moves }));
      } catch (error) {
        // then by "update"
      }
      const now = subscribed(handle);
      moves.forEach(({ feed }) => now.includes(feed) || handle.asked.delete(feed));
    }
    const subscribe = fresh
      .filter((feed) => !subscribed(handle).includes(feed) && !handle.asked.has(feed))
      .map((feed) => ({ feed }));
    if (!subscribe.length) {
      place();
      return;
    }
    subscribe.forEach(({ feed }) => handle.asked.add(feed));
    await negotiate(handle, await send(handle, { request: "update", subscribe }));
  };

  const restart = async () => {
    await unsubscribeAll();
    if (!room.audioOnly && room.session) {
      await newSubscription(wanted());
    }
  };

  const unsubscribeAll = async () => {
    const old = room.subscriber;
    room.subscriber = null;
    if (room.pcs.subscriber) {
      room.pcs.subscriber.close();
      room.pcs.subscriber = null;
    }
    await detach(old);
    place();
  };

  const newSubscription = async (feeds) => {
    if (!feeds.length) {
      place();
      return;
    }
    const handle = await attach("janus.plugin.videoroom", (event) => {
      if (event.janus === "hangup" && room.subscriber === handle) {
        inTurn(restart); // its connection broke (ICE, DTLS): a new one
      } else if (event.jsep || event.janus === "event") {
        // Janus's own offers (a publisher went): answered in turn with the page's own steps
        inTurn(() => negotiate(handle, event));
      }
    });
    handle.streams = new Map(); // mid -> feed id, the active pictures
    handle.media = new Map(); // mid -> the MediaStream shown
    handle.asked = new Set(feeds); // feeds asked for, not yet in an answer
    handle.version = -1;
    room.subscriber = handle;
    const pc = newPeer();
    room.pcs.subscriber = pc;
    trickle(handle, pc);
    pc.ontrack = () => place();
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" && room.pcs.subscriber === pc) {
        inTurn(restart);
      }
    };
    await negotiate(handle, await send(handle, { request: "join", ptype: "subscriber", streams: feeds.map((feed) => ({ feed })) }));
  };

  // An answer or event of the subscription: which feed each m-line carries now, and the
  // offer it brings, answered (an older offer than one already answered is passed over).
  const negotiate = async (handle, event) => {
    if (room.subscriber !== handle) {
      return;
    }
    const data = (event.plugindata && event.plugindata.data) || {};
    if (data.error) {
      throw new Error(data.error);
    }
    const version = event.jsep ? sdpVersion(event.jsep.sdp) : -1;
    if (event.jsep && version <= handle.version) {
      return;
    }
    if (data.switched === "ok") {
      room.switched += data.changes || 0;
    }
    if (Array.isArray(data.streams)) {
      handle.streams = new Map(
        data.streams
          .filter((stream) => stream.type === "video" && stream.active !== false && stream.feed_id !== undefined)
          .map((stream) => [stream.mid, stream.feed_id]),
      );
      for (const feed of handle.streams.values()) {
        handle.asked.delete(feed);
      }
    }
    if (event.jsep) {
      handle.version = version;
      room.answered += 1;
      const pc = room.pcs.subscriber;
      await pc.setRemoteDescription(event.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      // Janus takes a handle's messages in order: the next step need not wait for
      // "started" (a refusal comes as an event, and the subscription starts afresh)
      await tell(handle, { request: "start" }, pc.localDescription);
    }
    place();
  };

  const sdpVersion = (sdp) => {
    const origin = /^o=\S+ \S+ (\d+)/m.exec(sdp || "");
    return origin ? Number(origin[1]) : 0;
  };

  // The pictures the subscription carries now: feed id -> MediaStream.
  const pictures = () => {
    const videos = new Map();
    const handle = room.subscriber;
    const pc = room.pcs.subscriber;
    if (!handle || !pc) {
      return videos;
    }
    for (const transceiver of pc.getTransceivers()) {
      const feed = handle.streams.get(transceiver.mid);
      const track = transceiver.receiver.track;
      if (feed === undefined || !track || track.kind !== "video") {
        continue;
      }
      if (!handle.media.has(transceiver.mid)) {
        handle.media.set(transceiver.mid, new MediaStream([track]));
      }
      videos.set(feed, handle.media.get(transceiver.mid));
    }
    return videos;
  };

  // The speaker large, the pinned interpreter beside; the chair when nobody speaks.
  const place = () => {
    const videos = pictures();
    const memberOf = (feed) => Math.floor(feed / config.idSpan);
    const find = (member) => [...videos.keys()].find((feed) => memberOf(feed) === member);
    const { speaker, pinned } = room.state;
    const main =
      find(speaker) ?? [...videos.keys()].find((feed) => memberOf(feed) !== pinned && !room.outgoing.has(feed));
    const video = $("video-speaker");
    const stream = main !== undefined ? videos.get(main) : null;
    if (video.srcObject !== stream) {
      video.srcObject = stream;
    }
    $("video-speaker-name").textContent = main !== undefined ? room.feeds.get(main) || "" : "";
    const pinnedFeed = pinned ? find(pinned) : undefined;
    $("video-pinned-tile").hidden = pinnedFeed === undefined;
    if (pinnedFeed !== undefined && $("video-pinned").srcObject !== videos.get(pinnedFeed)) {
      $("video-pinned").srcObject = videos.get(pinnedFeed);
      $("video-pinned-name").textContent = room.feeds.get(pinnedFeed) || "";
    }
  };

  // --- sending: only after the member's own click -------------------------------------------

  const startSending = async () => {
    // Not before the page is in both rooms: the bridge's track and the watcher to publish on.
    if (room.sending || !room.watcher || !(room.bridge && room.bridge.sender)) {
      return;
    }
    await release(); // a picture still held from an earlier turn: unpublished first
    room.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    room.sending = true;
    const [microphone] = room.local.getAudioTracks();
    await room.bridge.sender.replaceTrack(microphone);
    // unmuted in the bridge while the offer is made: the picture does not wait for it
    const unmuted = send(room.bridge, { request: "configure", muted: false });
    const pc = newPeer();
    room.pcs.publisher = pc;
    trickle(room.watcher, pc);
    for (const track of room.local.getVideoTracks()) {
      pc.addTransceiver(track, { direction: "sendonly" });
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const [answer] = await Promise.all([send(room.watcher, { request: "publish" }, offer), unmuted]);
    if (answer.plugindata && answer.plugindata.data && answer.plugindata.data.error) {
      stopSending();
      throw new Error(answer.plugindata.data.error);
    }
    if (answer.jsep) {
      await pc.setRemoteDescription(answer.jsep);
    }
    $("video-self").srcObject = new MediaStream(room.local.getVideoTracks());
    $("video-self-tile").hidden = false;
    controls();
  };

  // With "hold" (the floor went, Plenum has muted the picture): the camera stops at once,
  // the publication ends NEXT_MS after the next picture came (the others' pages have
  // switched its m-line to it by then), HELD_MS at the latest (Plenum puts out whoever
  // still publishes 20 s after being muted).
  const HELD_MS = 15000;
  const NEXT_MS = 2000;
  const stopSending = (hold = false) => {
    if (!room.sending) {
      return;
    }
    room.sending = false;
    if (room.pcs.publisher) {
      release();
      room.held = { pc: room.pcs.publisher, watcher: room.watcher, until: Infinity };
      room.pcs.publisher = null;
      if (hold) {
        releaseBy(HELD_MS);
      } else {
        release();
      }
    }
    if (room.bridge && room.bridge.sender) {
      room.bridge.sender.replaceTrack(silentTrack()).catch(() => {});
      send(room.bridge, { request: "configure", muted: true }).catch(() => {});
    }
    for (const track of room.local ? room.local.getTracks() : []) {
      track.stop();
    }
    room.local = null;
    $("video-self-tile").hidden = true;
    controls();
  };

  // The held publication ends in ``ms`` at the latest.
  const releaseBy = (ms) => {
    const held = room.held;
    if (!held || Date.now() + ms >= held.until) {
      return;
    }
    clearTimeout(held.timer);
    held.until = Date.now() + ms;
    held.timer = setTimeout(release, ms);
  };

  // Plenum muted this page's picture: the floor went (the state says so), or it came
  // back before the page noticed, and the muted picture is published afresh.
  const mutedByPlenum = async () => {
    if (room.republishing || !room.sending || !(await refresh())) {
      return;
    }
    if (room.sending && room.state.role !== "listener") {
      room.republishing = true;
      try {
        stopSending(true);
        await release(); // Janus takes the muted one back before the new one is offered
        await startSending();
      } finally {
        room.republishing = false;
      }
    }
  };

  // Ends the held publication now; resolves when Janus has taken it back.
  const release = async () => {
    const held = room.held;
    room.held = null;
    if (!held) {
      return;
    }
    clearTimeout(held.timer);
    held.pc.close();
    if (held.watcher && held.watcher === room.watcher) {
      await send(held.watcher, { request: "unpublish" }).catch(() => {});
    }
  };

  const controls = () => {
    const may = room.state.role !== "listener";
    const inside = Boolean(room.session);
    $("video-start").hidden = inside;
    // offered once the page is in the video room (refresh() runs before that, in enter())
    $("video-send").hidden = !inside || !may || room.sending || !room.watcher;
    $("video-mute").hidden = !room.sending;
    $("video-camera").hidden = !room.sending;
    $("video-audio-only").hidden = !inside;
    $("video-leave").hidden = !inside;
  };

  // --- state: after every change of the speakers' list ---------------------------------------

  // The page's state; false when it could not be had. A speaker taken from the list
  // while the state was on its way is kept (it is at least as new).
  const refresh = async () => {
    let fresh;
    const listed = room.listed;
    try {
      const response = await fetch(config.state, { credentials: "same-origin" });
      fresh = await response.json();
    } catch (error) {
      return false;
    }
    if (room.listed !== listed) {
      fresh = { ...fresh, speaker: room.state.speaker, speaker_name: room.state.speaker_name };
    }
    const before = room.state;
    room.state = fresh;
    if (fresh.ended || !fresh.open) {
      await leave();
      say(text("Ended"));
      return true;
    }
    if (fresh.recording !== Boolean(before.recording)) {
      const notice = $("video-recording");
      notice.innerHTML = "";
      if (fresh.recording) {
        const box = document.createElement("div");
        box.className = "notice recording-notice";
        const line = document.createElement("p");
        line.textContent = text("Recording");
        box.append(line);
        notice.append(box);
      }
    }
    if (before.role === "listener" && fresh.role !== "listener") {
      say(text("Floor"));
    } else if (before.role !== "listener" && fresh.role === "listener") {
      stopSending(true);
      say(text("FloorOver"));
    } else if (before.speaker !== fresh.speaker && fresh.speaker) {
      say(text("Speaking", { name: fresh.speaker_name || "" }));
    }
    controls();
    place();
    return true;
  };

  const enter = async () => {
    say(text("Connecting"));
    try {
      // also a fresh join token: the page's may be older than 2 minutes
      if (!(await refresh())) {
        throw new Error("no state");
      }
      if (!room.state.open || room.state.ended) {
        return; // refresh() said why
      }
      const token = room.state.token || config.token;
      const created = await post("", { janus: "create", transaction: transaction() }, { "X-Video-Token": token });
      room.session = created.data.id;
      poll();
      room.keepalive = setInterval(() => {
        post(`/${room.session}`, { janus: "keepalive", transaction: transaction() }).catch(() => {});
      }, 25000);
      await joinBridge();
      await joinWatcher();
      await subscribe();
      say(text("Connected"));
    } catch (error) {
      say(text("Failed"));
    }
    controls();
    $("video-leave").hidden || $("video-leave").focus();
  };

  const leave = async () => {
    // this visit's steps stop here: answers still awaited give up, the queue starts anew
    room.visit += 1;
    queue = Promise.resolve();
    stopSending();
    release();
    for (const resolve of room.pending.values()) {
      resolve({ janus: "aborted" });
    }
    room.pending.clear();
    room.feeds.clear();
    room.outgoing.clear();
    room.videoMids.clear();
    for (const pc of Object.values(room.pcs)) {
      if (pc) {
        pc.close();
      }
    }
    room.pcs = {};
    room.subscriber = null;
    clearInterval(room.keepalive);
    const session = room.session;
    room.session = null;
    if (session) {
      await post(`/${session}`, { janus: "destroy", transaction: transaction() }).catch(() => {});
    }
    say(text("Left"));
    controls();
  };

  $("video-start").addEventListener("click", enter);
  $("video-leave").addEventListener("click", leave);
  $("video-send").addEventListener("click", () => {
    startSending().catch(() => say(text("Failed")));
  });
  $("video-mute").addEventListener("click", (event) => {
    const muted = event.currentTarget.getAttribute("aria-pressed") !== "true";
    event.currentTarget.setAttribute("aria-pressed", String(muted));
    for (const track of room.local ? room.local.getAudioTracks() : []) {
      track.enabled = !muted;
    }
    send(room.bridge, { request: "configure", muted }).catch(() => {});
  });
  $("video-camera").addEventListener("click", (event) => {
    const on = event.currentTarget.getAttribute("aria-pressed") !== "true";
    event.currentTarget.setAttribute("aria-pressed", String(on));
    for (const track of room.local ? room.local.getVideoTracks() : []) {
      track.enabled = on;
    }
  });
  $("video-audio-only").addEventListener("click", (event) => {
    room.audioOnly = event.currentTarget.getAttribute("aria-pressed") !== "true";
    event.currentTarget.setAttribute("aria-pressed", String(room.audioOnly));
    say(text(room.audioOnly ? "AudioOnly" : "Video"));
    subscribe();
  });
  // Who speaks, as the speakers' list pushed (and already swapped into the page) names
  // them: only the member called or the one whose turn ended asks for the state again
  // (their role changes); everyone else takes the new speaker from the list, so a call
  // does not send every member's page to the server at once. "video" events (pinning,
  // recording, the room ended) always ask.
  const calledNow = () => {
    const line = document.querySelector("#region-speakers [data-speaker]");
    const id = line && line.dataset.speaker ? Number(line.dataset.speaker) : null;
    const name = line && line.querySelector("strong") ? line.querySelector("strong").textContent : "";
    return { id, name };
  };
  document.body.addEventListener("htmx:sseMessage", (event) => {
    const type = (event.detail || {}).type;
    if (type === "video") {
      refresh();
    }
    if (type !== "speakers") {
      return;
    }
    const before = room.state.speaker ?? null;
    const now = calledNow();
    if (now.id === before) {
      return;
    }
    if (now.id === config.me || before === config.me) {
      refresh();
      return;
    }
    room.state = { ...room.state, speaker: now.id, speaker_name: now.name };
    room.listed += 1;
    if (now.id !== null) {
      say(text("Speaking", { name: now.name }));
    }
    place();
  });
  window.addEventListener("pagehide", () => {
    if (room.session) {
      navigator.sendBeacon && leave();
    }
  });
  controls();
})();
