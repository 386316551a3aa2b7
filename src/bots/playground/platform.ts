import type { ChatPlatform } from '../../chat/platform.ts'
import { playgroundEnabled, playgroundWarning } from '../../config.ts'
import { playgroundRoutes } from './web.ts'

export const playground: ChatPlatform = {
  name: 'playground',
  label: 'Playground',
  start({ config, router, logger }) {
    if (!playgroundEnabled(config)) return null
    const exposed = playgroundWarning(config)
    if (exposed) logger.warn({ host: config.HOST }, exposed)
    return {
      mode: 'on',
      describe: (url) => `${url}/  (acts as any demo person; no login${exposed ? '; reachable beyond this machine' : ''})`,
      routes: playgroundRoutes(router, { host: config.HOST, port: config.PORT }),
    }
  },
  off: () => 'off (NODE_ENV=production; PLAYGROUND_ENABLED=true turns it on)',
}
