export { AdminModule } from './admin.module.js';
export { ServicesAdminController } from './services-admin.controller.js';
