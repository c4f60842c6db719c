import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests for a sign-in link: the row is the truth about a link still to send, and the job on the
 * email queue carries only its id, so a link asked for while SMTP or Redis is away is sent when they
 * are back (the sweeper re-adds lost jobs) instead of being dropped with the request's process.
 */
export class CreateSignInRequest1764500000010 implements MigrationInterface {
  name = 'CreateSignInRequest1764500000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."sign_in_request" (
        "id" uuid PRIMARY KEY,
        "email" text NOT NULL,
        "requested_at" timestamptz NOT NULL,
        "handled_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "sign_in_request_unhandled" ON "notifier"."sign_in_request" ("id") WHERE "handled_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "sign_in_request_requested" ON "notifier"."sign_in_request" ("requested_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notifier"."sign_in_request"`);
  }
}
