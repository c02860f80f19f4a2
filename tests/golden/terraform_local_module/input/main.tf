module "registry" {
  source = "./modules/acr"

  name     = "contosoacr"
  sku      = "Standard"
  location = "westeurope"
}

module "registry_eu2" {
  source = "./modules/acr"

  name     = "contosoacreu2"
  location = "northeurope"
}
