"""Video in meetings: one small interface (``provider``) and its providers (link, Janus,
BigBlueButton, Jitsi); who may be in the room, with which role, driven by the speakers'
list (``service``); and the Janus signalling that passes through Plenum (``relay``)."""
