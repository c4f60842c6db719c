import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EnvironmentError } from '@app/shared';
import { readFile } from 'node:fs/promises';
import { resolveAsset } from '../assets';
import { NotifierEnvironment } from '../environment';
import { organisationsFromCsv, validateDirectoryDocument } from './directory-document';
import { DirectoryStore, ImportSummary } from './directory.store';

/** Reads a directory file (.json document or .csv of organisations) and upserts it. */
export async function importDirectoryFile(store: DirectoryStore, path: string): Promise<ImportSummary> {
  const text = await readFile(path, 'utf8');
  const parsed = path.toLowerCase().endsWith('.csv') ? organisationsFromCsv(text) : JSON.parse(text);
  return store.import(validateDirectoryDocument(parsed));
}

/**
 * A fresh installation starts with the sample directory, so the demo routes referrals at once. Runs before
 * the event consumer starts; importing is an upsert, so two instances seeding together do no harm.
 */
@Injectable()
export class DirectorySeeder implements OnModuleInit {
  private readonly logger = new Logger(DirectorySeeder.name);
  private seeded: Promise<void> | undefined;

  constructor(
    private readonly env: NotifierEnvironment,
    private readonly store: DirectoryStore,
  ) {}

  onModuleInit(): Promise<void> {
    this.seeded ??= this.seed();
    return this.seeded;
  }

  private async seed(): Promise<void> {
    if (this.env.DIRECTORY_SEED_FILE === 'none' || !(await this.store.isEmpty())) return;
    const path = resolveAsset(this.env.DIRECTORY_SEED_FILE);
    let summary: ImportSummary;
    try {
      summary = await importDirectoryFile(this.store, path);
    } catch (error) {
      // One line naming the variable, like any other bad configuration, instead of a stack trace.
      throw new EnvironmentError([`DIRECTORY_SEED_FILE: cannot import ${path} (${(error as Error).message.slice(0, 300)})`]);
    }
    this.logger.log({ file: path, ...summary }, 'Seeded the empty directory');
  }
}
