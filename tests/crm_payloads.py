"""CRM payloads captured in the wild (crm_formats.md), shared by the tests."""

# The captured status_lead body of crm_formats.md §1.10, as it arrives on the wire.
AMO_STATUS_PAIRS: list[tuple[str, str]] = [
    ("leads[status][0][id]", "10701093"),
    ("leads[status][0][name]", "Семинар: Пропитание в фитнесе на результат"),
    ("leads[status][0][status_id]", "142"),
    ("leads[status][0][old_status_id]", "20067736"),
    ("leads[status][0][price]", "22500"),
    ("leads[status][0][responsible_user_id]", "2079676"),
    ("leads[status][0][last_modified]", "1539782664"),
    ("leads[status][0][modified_user_id]", "2079718"),
    ("leads[status][0][created_user_id]", "2076025"),
    ("leads[status][0][date_create]", "1539782209"),
    ("leads[status][0][pipeline_id]", "9217056"),
    ("leads[status][0][tags][0][id]", "80147"),
    ("leads[status][0][tags][0][name]", "повторное обращение"),
    ("leads[status][0][account_id]", "17769199"),
    ("leads[status][0][custom_fields][0][id]", "66339"),
    ("leads[status][0][custom_fields][0][name]", "Источник"),
    ("leads[status][0][custom_fields][0][values][0][value]", "Сайт"),
    ("leads[status][0][custom_fields][0][values][0][enum]", "139517"),
    ("account[subdomain]", "apfitness"),
]
