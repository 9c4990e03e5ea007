"""Alembic environment: the URL and connection come from `api.migrate`."""

from alembic import context

from api.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=Base.metadata, literal_binds=True)
else:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
