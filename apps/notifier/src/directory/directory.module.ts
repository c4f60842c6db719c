import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { DirectorySeeder } from './directory-seeder';
import { DirectoryController } from './directory.controller';
import { DIRECTORY_ENTITIES } from './directory.entities';
import { DirectoryStore } from './directory.store';

@Module({
  imports: [TypeOrmModule.forFeature(DIRECTORY_ENTITIES)],
  controllers: [DirectoryController],
  providers: [DirectoryStore, DirectorySeeder, AdminApiKeyGuard],
  exports: [DirectoryStore, AdminApiKeyGuard],
})
export class DirectoryModule {}
