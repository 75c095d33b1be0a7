/**
 * Moonlight realtime: `[realtime]` settings, the frame handler (frames → envelopes), the
 * RR_MODE=centrifuge worker for a Moonlight app, and the gateway that publishes to channels.
 * @module
 */
export { realtimeConfig, serviceChannel, type RealtimeConfig } from './config.js'
export { MoonlightFrameHandler, type MoonlightFrame } from './frame-handler.js'
export { moonlightCentrifugeHandler, type MoonlightCentrifugeOptions } from './centrifuge.js'
export { RealtimeGateway, realtime } from './gateway.js'
export { realtimePage, pageConfig, type RealtimePageOptions } from './page.js'
