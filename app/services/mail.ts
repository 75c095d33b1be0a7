/**
 * `mail`: `send_welcome` (the tutorial's background job target). No mail server in the example:
 * it logs the delivery and answers like the PHP example does.
 */
import { Service, response, BadRequestError, type RequestData } from '../../src/moonlight/index.js'

export class MailService extends Service {
  static override description = 'Outgoing mail'
  static override actions = { send_welcome: { summary: 'Send the welcome email to `email`' } } as const

  async sendWelcomeAction(data: RequestData) {
    const email = data.getString('email')?.trim()
    if (!email) throw new BadRequestError('email is required')
    this.logger.info(`Welcome email sent to ${email}`)
    return response(0, 'Welcome email queued for delivery', { email })
  }
}
