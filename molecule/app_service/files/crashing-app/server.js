'use strict';
// A release that cannot start: app_service must stop the crash loop (StartLimit), fail the play with
// this line in the message, and keep the previous release serving.
process.stderr.write('FATAL crashing-app: cannot open the database, giving up\n');
process.exit(1);
