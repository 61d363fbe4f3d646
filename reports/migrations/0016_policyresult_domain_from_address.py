"""PolicyResult.domain_from_address: the policy's domain is the report address's, filled in
for a policy-domain the report left out (task s46a). Policies stored before read as False
(stated), as the copy rules read them until now."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0015_tlsreport_long_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="policyresult",
            name="domain_from_address",
            field=models.BooleanField(default=False),
        ),
    ]
